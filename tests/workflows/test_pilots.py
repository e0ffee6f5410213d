"""Pilots: two weeks on one friction point, a review at the end, an honest verdict, a decision."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from handoffs.models import Alert, Handoff
from hub.errors import DomainError
from hub.models import Event
from tests.workflows.factories import draw
from workflows import selectors, services, stats
from workflows.models import FrictionPoint, Pilot, Transition

START = date(2026, 3, 2)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def missed_per_day(team, first: date, days: int, per_day) -> None:
    for i in range(days):
        day = first + timedelta(days=i)
        for n in range(per_day(i)):
            Handoff.objects.create(
                team=team,
                title=f"m{i}-{n}",
                created_at=at(day, 8),
                missed_at=at(day, 9 + n % 8),
                status="missed",
            )


@pytest.fixture
def friction(member, ops):
    map_, _ = draw(member)
    point = Transition.objects.get(map=map_, source__name="Signup", target__name="First order")
    return services.friction_add(
        actor=member, map=map_, transition=point, kind="manual", severity=3, owner_team=ops
    )


def start_pilot(member, friction, ops, marketing):
    return services.pilot_start(
        actor=member,
        friction=friction,
        title="Every promo code notifies ops",
        hypothesis="Ops hears of every code before customers use it, so fewer handoffs are missed.",
        fix="Enable the rule 'Promo code created → notify Ops'.",
        metric="missed_handoffs",
        owner_teams=[ops, marketing],
        starts_on=START,
    )


def test_a_pilot_runs_two_weeks_and_marks_its_friction_piloting(member, friction, ops, marketing):
    pilot = start_pilot(member, friction, ops, marketing)
    assert (pilot.ends_on - pilot.starts_on).days + 1 == 14
    friction.refresh_from_db()
    assert friction.status == FrictionPoint.Status.PILOTING
    with pytest.raises(DomainError, match="still running"):
        start_pilot(member, friction, ops, marketing)


def test_pilot_needs_hypothesis_fix_metric_and_owners(member, friction, ops):
    with pytest.raises(DomainError) as err:
        services.pilot_start(
            actor=member,
            friction=friction,
            title="x",
            hypothesis="h",
            fix="f",
            metric="nope",
            owner_teams=[ops],
            starts_on=START,
        )
    assert err.value.field == "metric"
    with pytest.raises(DomainError) as err:
        services.pilot_start(
            actor=member,
            friction=friction,
            title="x",
            hypothesis="h",
            fix="f",
            metric="missed_handoffs",
            owner_teams=[],
            starts_on=START,
        )
    assert err.value.field == "owner_teams"


def test_review_is_scheduled_once_with_a_notice_to_every_owner_team(
    member, friction, ops, marketing
):
    pilot = start_pilot(member, friction, ops, marketing)
    with time_machine.travel(at(pilot.ends_on, 20), tick=False):
        assert services.pilots_schedule_reviews() == 0  # last day still running
    with time_machine.travel(at(pilot.ends_on + timedelta(days=1), 6), tick=False):
        assert services.pilots_schedule_reviews() == 1
        assert services.pilots_schedule_reviews() == 0  # twice is harmless
    pilot.refresh_from_db()
    assert pilot.status == Pilot.Status.REVIEW
    titles = set(Alert.objects.values_list("subject", flat=True))
    assert titles == {f"Pilot review due: {pilot.title}"}
    assert set(Alert.objects.values_list("channel__team__name", flat=True)) >= set()
    event = Event.objects.get(type="workflows.pilot.review_due")
    assert event.payload["pilot_id"] == pilot.pk
    assert sorted(event.payload["owner_teams"]) == ["Marketing", "Operations"]


def test_review_compares_before_and_during_beyond_the_noise(member, friction, ops, marketing):
    pilot = start_pilot(member, friction, ops, marketing)
    missed_per_day(ops, START - timedelta(days=14), 14, lambda i: 3 + i % 2)
    missed_per_day(ops, START, 14, lambda i: i % 2)
    result = selectors.pilot_result(pilot, pilot.ends_on + timedelta(days=1))
    assert result.baseline_start == START - timedelta(days=14)
    assert result.baseline > result.during
    assert result.comparison.verdict == "better"  # fewer missed handoffs is better
    assert result.comparison.high < 0
    assert "bigger than the noise" in result.statement


def test_a_difference_inside_the_noise_is_called_noise():
    c = stats.compare([3, 0, 5, 1, 4, 2, 6], [2, 5, 0, 4, 3, 1, 4], direction=-1)
    assert c.verdict == "noise"
    assert "within day-to-day noise" in stats.statement(c)
    assert stats.compare([1, 2], [3, 4], 1).verdict == "too_few_days"


def test_adopting_freezes_the_numbers_and_resolves_the_friction(member, friction, ops, marketing):
    pilot = start_pilot(member, friction, ops, marketing)
    missed_per_day(ops, START - timedelta(days=14), 14, lambda i: 3)
    with (
        time_machine.travel(at(pilot.ends_on, 12), tick=False),
        pytest.raises(DomainError, match="runs until"),
    ):
        services.pilot_decide(actor=member, pilot=pilot, decision="adopt")
    with time_machine.travel(at(pilot.ends_on + timedelta(days=2)), tick=False):
        services.pilots_schedule_reviews()
        decided = services.pilot_decide(
            actor=member, pilot=pilot, decision="adopt", writeup="It worked: keep the rule."
        )
    assert decided.result["baseline"]["value"] is not None
    assert decided.result["verdict"] in ("better", "worse", "noise", "too_few_days")
    friction.refresh_from_db()
    assert friction.status == FrictionPoint.Status.RESOLVED
    assert selectors.pilot_result(decided).baseline == decided.result["baseline"]["value"]
    with pytest.raises(DomainError, match="decided already"):
        services.pilot_decide(actor=member, pilot=decided, decision="drop")


def test_dropping_reopens_the_friction(member, friction, ops, marketing):
    pilot = start_pilot(member, friction, ops, marketing)
    with time_machine.travel(at(pilot.ends_on + timedelta(days=1)), tick=False):
        services.pilots_schedule_reviews()
        services.pilot_decide(actor=member, pilot=pilot, decision="drop")
    friction.refresh_from_db()
    assert friction.status == FrictionPoint.Status.OPEN


def test_review_pilots_lists_running_and_finished_pilots_of_the_month(
    member, friction, ops, marketing
):
    pilot = start_pilot(member, friction, ops, marketing)
    with time_machine.travel(at(date(2026, 3, 10)), tick=False):
        march = selectors.review_pilots(date(2026, 3, 1))
        assert [s.pilot for s in march] == [pilot]
        assert march[0].result.during_end == date(2026, 3, 10)
        assert selectors.review_pilots(date(2026, 5, 1)) == []


def test_a_pilot_blocks_deleting_its_step_or_map(member, friction, ops, marketing):
    start_pilot(member, friction, ops, marketing)
    with pytest.raises(DomainError):
        services.step_delete(actor=member, step=friction.transition.source)
    with pytest.raises(DomainError):
        services.map_delete(actor=member, map=friction.map)
