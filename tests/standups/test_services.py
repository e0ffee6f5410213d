"""Standup services: series and chairs, updates and blockers, reminders, running the meeting."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from handoffs import services as handoff_services
from handoffs.models import Alert, Handoff
from hub.errors import DomainError
from hub.models import Event
from standups import schedule, selectors, services
from standups.models import Blocker, Meeting
from tests.standups.conftest import MONDAY


def post(meeting, team, author, *, blockers=(), hours=2, now=None, win="Shipped it"):
    return services.update_post(
        meeting=meeting,
        team=team,
        author=author,
        win_1=win,
        needs="",
        firefighting_hours=hours,
        blockers=blockers,
        now=now or MONDAY,
    )


def test_a_series_generates_its_next_four_meetings_in_its_time_zone(series):
    starts = list(series.meetings.order_by("scheduled_at").values_list("scheduled_at", flat=True))
    assert starts == [datetime(2026, 6, 2 + 7 * n, 10, 0, tzinfo=UTC) for n in range(4)]
    assert services.meetings_generate(now=MONDAY) == 0  # idempotent
    assert services.meetings_generate(now=MONDAY + timedelta(days=7)) == 1


def test_generated_meetings_keep_the_local_hour_across_daylight_saving(admin_user, ops, marketing):
    berlin = services.series_create(
        actor=admin_user,
        name="Berlin",
        teams=[ops, marketing],
        time_zone="Europe/Berlin",
        now=datetime(2026, 3, 16, 9, 0, tzinfo=UTC),
    )
    hours = [
        m.scheduled_at.astimezone(berlin.tz).hour for m in berlin.meetings.order_by("scheduled_at")
    ]
    assert hours == [10, 10, 10, 10]
    utc_hours = sorted({m.scheduled_at.astimezone(UTC).hour for m in berlin.meetings.all()})
    assert utc_hours == [8, 9]  # the clocks changed on 29 March


def test_a_series_needs_two_teams_and_a_real_time_zone(admin_user, ops):
    with pytest.raises(DomainError, match="at least two teams"):
        services.series_create(actor=admin_user, name="Solo", teams=[ops])
    with pytest.raises(DomainError, match="not a time zone"):
        services.series_create(
            actor=admin_user,
            name="X",
            teams=[ops, ops.__class__.objects.create(name="B", slug="b")],
            time_zone="Mars/Olympus",
        )


def test_each_team_chairs_a_month_in_the_order_the_admin_set(series, marketing, ops, support, tech):
    months = [date(2026, m, 1) for m in range(6, 12)]
    chairs = [selectors.chair_for(series, m) for m in months]
    assert chairs == [marketing, ops, support, tech, marketing, ops]
    june = series.meetings.order_by("scheduled_at").first()
    assert june.chair == marketing


def test_a_chair_swap_moves_upcoming_meetings_to_the_new_chair(series, admin_user, marketing, ops):
    services.chair_swap(
        actor=admin_user, series=series, month=date(2026, 6, 1), other_month=date(2026, 7, 1)
    )
    assert selectors.chair_for(series, date(2026, 6, 1)) == ops
    assert selectors.chair_for(series, date(2026, 7, 1)) == marketing
    assert set(series.meetings.values_list("chair", flat=True)) == {ops.pk}  # all June


def test_the_chair_is_announced_to_every_team_once_a_month(series, marketing, ops, support, tech):
    assert services.chairs_announce(now=MONDAY) == 1
    services.chairs_announce(now=MONDAY + timedelta(hours=1))  # beat again: nothing new
    titles = set(Alert.objects.values_list("subject", flat=True))
    assert titles == {"Marketing chairs “Weekly cross-team” in June 2026"}
    assert Alert.objects.count() == 4  # one inbox per team

    with time_machine.travel(datetime(2026, 7, 1, 6, 0, tzinfo=UTC), tick=False):
        services.meetings_generate(now=datetime(2026, 7, 1, 6, 0, tzinfo=UTC))
        services.chairs_announce(now=datetime(2026, 7, 1, 6, 0, tzinfo=UTC))
    assert Alert.objects.filter(subject__startswith="Operations chairs").count() == 4
    july = Meeting.objects.filter(scheduled_at__month=7).order_by("scheduled_at").first()
    assert july.chair == ops


def test_a_member_posts_their_teams_update_on_time(meeting, ops, member):
    update = post(meeting, ops, member, hours=Decimal("3.5"))
    assert update.on_time and update.firefighting_hours == Decimal("3.5")
    late = post(meeting, ops, member, now=meeting.scheduled_at + timedelta(minutes=5))
    assert late.pk == update.pk and late.on_time  # an edit keeps the first post's time


def test_an_update_after_the_start_is_late(meeting, ops, member):
    update = post(meeting, ops, member, now=meeting.scheduled_at + timedelta(minutes=1))
    assert not update.on_time


def test_only_members_of_the_team_post_its_update(meeting, marketing, member):
    with pytest.raises(DomainError, match="Only members of Marketing"):
        post(meeting, marketing, member)


def test_an_update_needs_a_win_and_sensible_hours(meeting, ops, member):
    with pytest.raises(DomainError, match="at least one win"):
        post(meeting, ops, member, win=" ")
    with pytest.raises(DomainError, match="between 0 and 168"):
        post(meeting, ops, member, hours=200)


def test_a_win_longer_than_its_field_is_refused_with_a_reason(meeting, ops, member):
    with pytest.raises(DomainError, match="300 characters") as refused:
        post(meeting, ops, member, win="w" * 301)
    assert refused.value.field == "win_1"
    with pytest.raises(DomainError, match="300 characters") as refused:
        services.update_post(
            meeting=meeting, team=ops, author=member, win_1="ok", win_2="w" * 301, now=MONDAY
        )
    assert refused.value.field == "win_2"
    assert not meeting.updates.exists()


def test_a_blocker_needing_another_team_becomes_a_handoff_and_an_event(
    meeting, marketing, ops, marketer
):
    post(
        meeting,
        marketing,
        marketer,
        blockers=[services.BlockerInput("Promo codes missing in Onfleet", ops)],
    )
    blocker = Blocker.objects.get()
    handoff = blocker.handoff
    assert handoff.team == ops and handoff.from_team == marketing
    assert handoff.title == "Blocker from Marketing: Promo codes missing in Onfleet"
    assert handoff.link == meeting.get_absolute_url() and handoff.requires_ack
    event = Event.objects.get(type="standups.blocker.raised")
    assert event.payload["needs_team"] == "Operations"
    assert event.payload["handoff_id"] == handoff.pk
    # Posting the same blocker again (an edit) changes nothing.
    post(
        meeting,
        marketing,
        marketer,
        blockers=[services.BlockerInput("promo codes missing in onfleet!", ops)],
    )
    assert Blocker.objects.count() == 1 and Handoff.objects.count() == 1


def test_a_blocker_for_the_own_team_is_not_handed_off(meeting, ops, member):
    post(meeting, ops, member, blockers=[services.BlockerInput("Two drivers out sick", ops)])
    assert Blocker.objects.get().handoff is None


def test_an_unresolved_blocker_carries_over_until_its_handoff_is_done(
    series, meeting, marketing, ops, marketer, member
):
    post(meeting, marketing, marketer, blockers=[services.BlockerInput("Zone 4 capacity", ops)])
    following = series.meetings.order_by("scheduled_at")[1]
    assert [b.text for b in selectors.carried_blockers(following)] == ["Zone 4 capacity"]

    blocker = Blocker.objects.get()
    handoff_services.handoff_done(handoff=blocker.handoff, user=member)
    assert services.blockers_sync(now=MONDAY + timedelta(days=3)) == 1
    assert services.blockers_sync(now=MONDAY + timedelta(days=3)) == 0
    assert selectors.carried_blockers(following) == []


def test_resolving_a_blocker_marks_its_handoff_done(meeting, marketing, ops, marketer, member):
    post(meeting, marketing, marketer, blockers=[services.BlockerInput("Zone 4 capacity", ops)])
    blocker = Blocker.objects.get()
    assert services.blocker_resolve(blocker=blocker, actor=member)
    assert not services.blocker_resolve(blocker=blocker, actor=member)
    blocker.handoff.refresh_from_db()
    assert blocker.handoff.status == Handoff.Status.DONE


def test_reminders_reach_only_teams_that_have_not_posted_once_per_window(
    meeting, marketing, ops, support, tech, member
):
    post(meeting, ops, member)
    day_before = meeting.scheduled_at - timedelta(hours=20)
    assert services.reminders_send(now=day_before) == 3
    assert services.reminders_send(now=day_before + timedelta(minutes=10)) == 0
    hour_before = meeting.scheduled_at - timedelta(minutes=50)
    assert services.reminders_send(now=hour_before) == 3
    assert services.reminders_send(now=hour_before + timedelta(minutes=10)) == 0
    reminded = set(
        Alert.objects.filter(subject__startswith="Post").values_list(
            "channel__team__name", flat=True
        )
    )
    assert reminded == {"Marketing", "Customer Support", "Tech"}
    assert Alert.objects.filter(subject__startswith="Post").count() == 6
    assert services.reminders_send(now=meeting.scheduled_at - timedelta(hours=30)) == 0


def test_the_chair_runs_the_meeting_and_every_team_gets_the_summary(
    meeting, marketing, ops, support, tech, marketer, member, admin_user
):
    post(meeting, marketing, marketer, blockers=[services.BlockerInput("Zone 4 capacity", ops)])
    post(meeting, ops, member, win="Zone 4 live")
    start = meeting.scheduled_at + timedelta(minutes=1)
    meeting = services.meeting_start(meeting=meeting, actor=marketer, now=start)
    board = selectors.meeting_board(meeting)
    assert board.fair_share_seconds == 300  # 20 minutes over four teams
    assert board.current.team == marketing and board.turn.deadline == start + timedelta(minutes=5)

    services.meeting_extend(meeting=meeting, actor=marketer, seconds=60)
    board = selectors.meeting_board(Meeting.objects.get(pk=meeting.pk))
    assert board.turn.deadline == start + timedelta(minutes=6)
    meeting = services.meeting_next(
        meeting=meeting, actor=marketer, now=start + timedelta(minutes=6)
    )
    assert selectors.meeting_board(meeting).current.team == ops

    services.decision_add(meeting=meeting, actor=marketer, text="Pause the Zone 4 promo")
    services.action_item_add(
        meeting=meeting,
        actor=marketer,
        text="Add two drivers to Zone 4",
        owner_team=ops,
        owner=member,
        due_on=date(2026, 6, 5),
    )
    end = start + timedelta(minutes=22)
    meeting = services.meeting_end(meeting=meeting, actor=marketer, now=end)
    assert meeting.duration_minutes == 22
    assert "## Decisions\n\n- Pause the Zone 4 promo" in meeting.summary
    assert "- Add two drivers to Zone 4 — Operations (Meg" in meeting.summary
    assert "- Marketing needs Operations: Zone 4 capacity [open]" in meeting.summary
    assert "- Customer Support: no update" in meeting.summary
    summaries = Alert.objects.filter(subject__startswith="Standup summary")
    assert set(summaries.values_list("channel__team__name", flat=True)) == {
        "Marketing",
        "Operations",
        "Customer Support",
        "Tech",
    }
    services.meeting_end(meeting=meeting, actor=marketer)
    services.summary_send(meeting=meeting)
    assert summaries.count() == 4  # sent once


def test_the_meeting_cannot_end_before_it_starts_or_be_extended_forever(meeting, marketer):
    with pytest.raises(DomainError, match="Start the standup"):
        services.meeting_end(meeting=meeting, actor=marketer)
    meeting = services.meeting_start(meeting=meeting, actor=marketer)
    for _ in range(10):
        services.meeting_extend(meeting=meeting, actor=marketer, seconds=60)
    with pytest.raises(DomainError, match="ten extra minutes"):
        services.meeting_extend(meeting=meeting, actor=marketer, seconds=60)


def test_an_action_item_owner_must_be_in_the_owner_team(meeting, ops, marketer):
    with pytest.raises(DomainError, match="is not in Operations"):
        services.action_item_add(
            meeting=meeting, actor=marketer, text="x", owner_team=ops, owner=marketer
        )


def test_agenda_items_from_an_event_are_added_once(meeting):
    recorded = Event.objects.create(source="generic", type="generic.x", external_id="1")
    first = services.agenda_item_add(meeting=meeting, title="Look at this", event=recorded)
    again = services.agenda_item_add(meeting=meeting, title="Look at this", event=recorded)
    assert first.pk == again.pk


def test_schedule_helpers():
    assert schedule.blocker_key("Promo codes: NOT in Onfleet!") == "promo codes not in onfleet"
    assert schedule.fair_share_seconds(20, 3) == 400
    assert schedule.is_running_long([25, 24, 26, 18], 20)
    assert not schedule.is_running_long([25, 18, 26], 20)
    assert not schedule.is_running_long([25, 26], 20)
    assert schedule.chair_index(date(2026, 1, 1), date(2027, 2, 1), 4) == 1
