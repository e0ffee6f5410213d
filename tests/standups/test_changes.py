"""After setup: a new chair order, skipping an away chair, pausing a series, agenda items by hand,
action items done and carried over, and who attended."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from handoffs.models import Alert
from hub.errors import DomainError
from hub.models import Event
from standups import selectors, services
from standups.models import ActionItem, AgendaItem, Attendance, Meeting, Series
from tests.standups.conftest import MONDAY


def chairs(series):
    return list(series.meetings.order_by("scheduled_at").values_list("chair__name", flat=True))


def test_a_new_chair_order_moves_upcoming_meetings_to_the_new_chair(
    series, admin_user, marketing, ops, support, tech
):
    services.series_set_chair_order(
        actor=admin_user, series=series, teams=[tech, marketing, ops, support]
    )
    assert [t.name for t in selectors.series_teams(series)] == [
        "Tech",
        "Marketing",
        "Operations",
        "Customer Support",
    ]
    assert selectors.chair_for(series, date(2026, 6, 1)) == tech
    assert selectors.chair_for(series, date(2026, 7, 1)) == marketing
    assert set(chairs(series)) == {"Tech"}  # all four meetings are in June


def test_a_new_chair_order_can_restart_the_rotation_from_a_month(
    series, admin_user, marketing, ops, support, tech
):
    services.series_set_chair_order(
        actor=admin_user,
        series=series,
        teams=[support, tech, marketing, ops],
        from_month=date(2026, 7, 15),
    )
    series.refresh_from_db()
    assert series.rotation_start == date(2026, 7, 1)
    assert selectors.chair_for(series, date(2026, 7, 1)) == support
    assert selectors.chair_for(series, date(2026, 8, 1)) == tech


def test_a_chair_order_needs_two_teams_and_changes_nothing_otherwise(series, admin_user, ops):
    with pytest.raises(DomainError, match="at least two teams"):
        services.series_set_chair_order(actor=admin_user, series=series, teams=[ops])
    assert len(selectors.series_teams(series)) == 4


def test_an_away_chair_is_skipped_for_one_meeting_and_the_next_team_is_told(
    series, meeting, admin_user, marketing, ops, support
):
    meeting = services.meeting_skip_chair(meeting=meeting, actor=admin_user, now=MONDAY)
    assert meeting.chair == ops and meeting.chair_skipped
    assert chairs(series) == ["Operations", "Marketing", "Marketing", "Marketing"]
    told = Alert.objects.filter(subject__startswith="Operations chairs")
    assert set(told.values_list("channel__team__name", flat=True)) == {"Operations"}
    # Skipping again moves on once more; a new chair order leaves the skipped meeting alone.
    meeting = services.meeting_skip_chair(meeting=meeting, actor=admin_user, now=MONDAY)
    assert meeting.chair == support
    services.series_set_chair_order(
        actor=admin_user, series=series, teams=[ops, marketing, support, meeting.chair]
    )
    assert chairs(series)[0] == "Customer Support"


def test_a_running_meeting_keeps_its_chair(meeting, marketer):
    services.meeting_start(meeting=meeting, actor=marketer, now=MONDAY)
    with pytest.raises(DomainError, match="hasn't started"):
        services.meeting_skip_chair(meeting=meeting, actor=marketer)
    assert Meeting.objects.get(pk=meeting.pk).chair.name == "Marketing"


def test_a_paused_series_makes_no_meetings_and_sends_no_reminders(
    series, meeting, admin_user, ops, member
):
    services.update_post(meeting=meeting, team=ops, author=member, win_1="x", now=MONDAY)
    series = services.series_pause(actor=admin_user, series=series, now=MONDAY)
    assert not series.active and series.paused_at == MONDAY
    # The meeting with an update stays; the empty ones ahead are gone.
    assert list(series.meetings.values_list("pk", flat=True)) == [meeting.pk]
    assert services.meetings_generate(now=MONDAY + timedelta(days=7)) == 0
    assert services.meetings_generate(now=MONDAY, series=series) == 0
    assert services.reminders_send(now=meeting.scheduled_at - timedelta(hours=20)) == 0
    assert services.chairs_announce(now=MONDAY) == 0
    assert not Alert.objects.exists()
    assert services.series_pause(actor=admin_user, series=series).paused_at == MONDAY  # no-op

    later = MONDAY + timedelta(days=14)
    series = services.series_resume(actor=admin_user, series=series, now=later)
    assert series.active and series.paused_at is None
    assert series.meetings.filter(scheduled_at__gt=later).count() == 4
    assert services.reminders_send(now=meeting.scheduled_at - timedelta(hours=20)) == 3


def test_agenda_items_are_added_by_hand_alongside_rule_items(meeting, member, ops):
    by_hand = services.agenda_item_add(
        meeting=meeting,
        title="  Zone 4 holiday staffing ",
        body="5 minutes",
        team=ops,
        actor=member,
    )
    assert (by_hand.title, by_hand.created_by, by_hand.event) == (
        "Zone 4 holiday staffing",
        member,
        None,
    )
    recorded = Event.objects.create(source="generic", type="generic.x", external_id="9")
    services.agenda_item_add(meeting=meeting, title="From a rule", event=recorded)
    board = selectors.meeting_board(meeting)
    assert [i.title for i in board.agenda] == ["Zone 4 holiday staffing", "From a rule"]
    with pytest.raises(DomainError, match="needs a title"):
        services.agenda_item_add(meeting=meeting, title=" ", actor=member)
    assert AgendaItem.objects.count() == 2


def test_an_action_item_is_marked_done_with_who_and_when_and_recorded_once(
    meeting, marketer, ops, member
):
    item = services.action_item_add(
        meeting=meeting, actor=marketer, text="Two drivers", owner_team=ops
    )
    done_at = MONDAY + timedelta(days=2)
    assert services.action_item_complete(item=item, actor=member, now=done_at)
    assert not services.action_item_complete(item=item, actor=member, now=done_at)
    item.refresh_from_db()
    assert (item.done_at, item.done_by) == (done_at, member)
    event = Event.objects.get(type="standups.action_item.done")
    assert event.payload["owner_team"] == "Operations"
    assert services.action_item_reopen(item=item, actor=member)
    item.refresh_from_db()
    assert item.done_at is None and item.done_by is None


def test_open_action_items_carry_over_to_the_next_meeting_until_done(
    series, meeting, marketer, ops, marketing, member
):
    open_item = services.action_item_add(
        meeting=meeting, actor=marketer, text="Two drivers", owner_team=ops
    )
    closed = services.action_item_add(
        meeting=meeting, actor=marketer, text="Brief Support", owner_team=marketing
    )
    services.action_item_complete(item=closed, actor=marketer)
    following = series.meetings.order_by("scheduled_at")[1]
    board = selectors.meeting_board(following)
    assert [i.text for i in board.carried_action_items] == ["Two drivers"]
    assert "- Two drivers — Operations (carried over)" in selectors.summary_markdown(following)
    assert selectors.carried_action_items(meeting) == []
    services.action_item_complete(item=open_item, actor=member)
    assert selectors.carried_action_items(following) == []


def test_the_chair_records_who_attended(meeting, marketer, member, agent, engineer, outsider, tech):
    with pytest.raises(DomainError, match="once the standup has started"):
        services.attendance_set(meeting=meeting, actor=marketer, attendees=[marketer])
    services.meeting_start(meeting=meeting, actor=marketer, now=meeting.scheduled_at)
    with pytest.raises(DomainError, match="not in any team of this standup"):
        services.attendance_set(meeting=meeting, actor=marketer, attendees=[marketer, outsider])
    with pytest.raises(DomainError, match="at least one person"):
        services.attendance_set(meeting=meeting, actor=marketer, attendees=[])
    with pytest.raises(DomainError, match="is not in Tech"):
        services.attendance_set(
            meeting=meeting,
            actor=marketer,
            attendees=[services.AttendeeInput(member, tech)],
        )
    assert not Attendance.objects.exists()  # a refused list changes nothing

    services.attendance_set(meeting=meeting, actor=marketer, attendees=[marketer, member, agent])
    board = selectors.meeting_board(meeting)
    assert [t.name for t in board.present_teams] == ["Marketing", "Operations", "Customer Support"]
    assert [t.name for t in board.absent_teams] == ["Tech"]
    # The list is replaced, not added to; the same list twice changes nothing.
    services.attendance_set(meeting=meeting, actor=marketer, attendees=[marketer, engineer])
    services.attendance_set(meeting=meeting, actor=marketer, attendees=[marketer, engineer])
    assert set(Attendance.objects.values_list("user__email", flat=True)) == {
        marketer.email,
        engineer.email,
    }
    ended = services.meeting_end(
        meeting=meeting, actor=marketer, now=meeting.scheduled_at + timedelta(minutes=19)
    )
    assert f"Present: Marketing ({marketer}), Tech ({engineer})\n" in ended.summary
    assert "Absent: Operations, Customer Support\n" in ended.summary
    # Marked after the meeting: the record follows, nothing is sent again.
    sent = Alert.objects.filter(subject__startswith="Standup summary").count()
    services.attendance_set(meeting=meeting, actor=marketer, attendees=[marketer])
    assert f"Present: Marketing ({marketer})\n" in Meeting.objects.get(pk=meeting.pk).summary
    assert Alert.objects.filter(subject__startswith="Standup summary").count() == sent


def test_history_measures_attendance_from_who_was_there_not_who_posted(
    series, marketing, ops, marketer, member, agent
):
    meetings = []
    for n in range(3):
        at = datetime(2026, 6, 2, 10, 0, tzinfo=UTC) + timedelta(weeks=n)
        services.meetings_generate(now=at - timedelta(hours=2), series=series, weeks=1)
        meeting = Meeting.objects.get(series=series, scheduled_at=at)
        services.update_post(
            meeting=meeting, team=ops, author=member, win_1="w", now=at - timedelta(hours=1)
        )
        services.meeting_start(meeting=meeting, actor=marketer, now=at)
        meetings.append(meeting)
    # Two meetings with attendance taken (3 teams, then 1); the third nobody marked.
    services.attendance_set(
        meeting=meetings[0], actor=marketer, attendees=[marketer, member, agent]
    )
    services.attendance_set(meeting=meetings[1], actor=marketer, attendees=[marketer])
    for m in meetings:
        services.meeting_end(meeting=m, actor=marketer, now=m.scheduled_at + timedelta(minutes=15))
    history = selectors.series_history(Series.objects.get(pk=series.pk))
    assert history.attendance_meetings == 2
    assert history.attendance_rate == pytest.approx(4 / 8)
    assert history.posted_rate == pytest.approx(3 / 12)
    past = {m.pk: m for m in selectors.past_meetings(series)}
    assert (past[meetings[0].pk].present_teams, past[meetings[0].pk].attendees) == (3, 3)
    assert past[meetings[2].pk].attendees == 0


def test_the_home_block_lists_my_teams_open_action_items(meeting, marketer, ops, member):
    item = services.action_item_add(
        meeting=meeting, actor=marketer, text="Two drivers", owner_team=ops
    )
    with time_machine.travel(MONDAY, tick=False):
        home = selectors.standup_for_home(member)
        assert home is not None and [i.pk for i in home.open_action_items] == [item.pk]
        services.action_item_complete(item=item, actor=member)
        assert selectors.standup_for_home(member).open_action_items == []
    assert ActionItem.objects.get().is_done
