"""History, the monthly review's blockers, the KPI source and the rule action."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine

from handoffs import services as handoff_services
from hub import events
from hub.models import Event
from standups import metrics, rule_actions, selectors, services
from standups.models import AgendaItem, Meeting
from tests.standups.conftest import MONDAY


def weekly(series, marketing, ops, marketer, member, *, weeks: int, blocker: str = ""):
    """Run ``weeks`` meetings from the first one: both teams post, Marketing raises a blocker."""
    meetings = []
    for n in range(weeks):
        at = datetime(2026, 6, 2, 10, 0, tzinfo=UTC) + timedelta(weeks=n)
        services.meetings_generate(now=at - timedelta(hours=2), series=series, weeks=1)
        meeting = Meeting.objects.get(series=series, scheduled_at=at)
        services.update_post(
            meeting=meeting,
            team=marketing,
            author=marketer,
            win_1="w",
            firefighting_hours=6 - n,
            blockers=[services.BlockerInput(blocker, ops)] if blocker else [],
            now=at - timedelta(hours=1),
        )
        services.update_post(
            meeting=meeting, team=ops, author=member, win_1="w", firefighting_hours=2, now=at
        )
        services.meeting_start(meeting=meeting, actor=marketer, now=at)
        services.meeting_end(meeting=meeting, actor=marketer, now=at + timedelta(minutes=18))
        meetings.append(meeting)
    return meetings


def test_series_history_counts_attendance_on_time_and_recurring_blockers(
    series, marketing, ops, marketer, member
):
    weekly(series, marketing, ops, marketer, member, weeks=3, blocker="Zone 4 capacity")
    history = selectors.series_history(series)
    assert history.meetings == 3
    assert history.posted_rate == pytest.approx(6 / 12)  # two of four teams each week
    assert history.attendance_rate is None and history.attendance_meetings == 0  # not taken
    assert history.on_time_rate == pytest.approx(3 / 6)  # Operations posts at the start
    assert history.blockers_raised == 3
    (recurring,) = history.recurring
    assert (recurring.team, recurring.needs_team, recurring.times) == ("Marketing", "Operations", 3)
    assert recurring.open
    assert not history.running_long


def test_blockers_resolved_within_a_week_count(series, meeting, marketing, ops, marketer, member):
    (first,) = weekly(series, marketing, ops, marketer, member, weeks=1, blocker="Zone 4")
    blocker = first.blockers.get()
    handoff_services.handoff_done(handoff=blocker.handoff, user=member)
    services.blockers_sync(now=blocker.raised_at + timedelta(days=3))
    history = selectors.series_history(series)
    assert (history.resolved_within_week, history.resolved_within_week_rate) == (1, 1.0)


def test_review_blockers_lists_the_months_unresolved_and_recurring(
    series, marketing, ops, marketer, member
):
    meetings = weekly(series, marketing, ops, marketer, member, weeks=4, blocker="Promo sync")
    services.blocker_raise(
        meeting=meetings[0],
        team=ops,
        needs_team=marketing,
        text="Forecast late",
        actor=member,
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )
    resolved = meetings[0].blockers.get(text="Forecast late")
    services.blocker_resolve(blocker=resolved, actor=marketer, now=datetime(2026, 6, 3, tzinfo=UTC))

    june = selectors.review_blockers(date(2026, 6, 15))
    assert [b.text for b in june.unresolved] == ["Promo sync"] * 4
    assert [(r.text, r.times) for r in june.recurring] == [("Promo sync", 4)]
    may = selectors.review_blockers(date(2026, 5, 1))
    assert may.unresolved == [] and may.recurring == []


def test_firefighting_hours_feed_the_manual_hours_kpi(series, marketing, ops, marketer, member):
    weekly(series, marketing, ops, marketer, member, weeks=2)
    daily = metrics.firefighting_daily(date(2026, 6, 1), date(2026, 6, 30))
    assert daily[date(2026, 6, 2)] == {
        "firefighting_hours": Decimal("8.0"),
        "firefighting_reports": Decimal(2),
    }
    assert daily[date(2026, 6, 9)]["firefighting_hours"] == Decimal("7.0")
    period = SimpleNamespace(start=date(2026, 6, 1), end=date(2026, 6, 30))
    assert metrics.registry_daily(period, None) == daily
    assert metrics.firefighting_hours_by_week(date(2026, 6, 1), date(2026, 6, 30)) == [
        (date(2026, 6, 1), "Marketing", Decimal("6.0")),
        (date(2026, 6, 1), "Operations", Decimal("2.0")),
        (date(2026, 6, 8), "Marketing", Decimal("5.0")),
        (date(2026, 6, 8), "Operations", Decimal("2.0")),
    ]
    assert metrics.first_report_day() == date(2026, 6, 2)


def test_the_rule_action_adds_the_event_to_the_next_standup_once(series, admin_user, marketing):
    rule = handoff_services.rule_save(
        actor=admin_user,
        data=handoff_services.RuleInput(
            name="Campaign error → standup",
            trigger="generic.campaign_error",
            teams=[],
            owner_team=marketing,
            title_template="",
            action=rule_actions.KEY,
            action_params={"series": str(series.pk), "title": "Talk about the campaign error"},
        ),
    )
    handoff_services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)
    with time_machine.travel(MONDAY, tick=False):
        recorded = events.record("generic", "generic.campaign_error", "e-1", {"campaign": "x"})
        events.process(recorded.event.pk)
        events.replay(Event.objects.get(pk=recorded.event.pk))
        events.process(recorded.event.pk)
    item = AgendaItem.objects.get()
    assert item.title == "Talk about the campaign error"
    assert item.meeting == series.meetings.order_by("scheduled_at").first()
    assert "generic.campaign_error" in item.body
