"""SwiftDrop has months of standups, written through the services."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from hub import demo
from standups import metrics, selectors
from standups.models import ActionItem, Blocker, Meeting, Series


def test_the_demo_company_has_months_of_standups(db):
    demo.load(deliveries=100)
    series = Series.objects.get(name="Weekly cross-team")
    ended = series.meetings.filter(status=Meeting.Status.ENDED)
    assert ended.count() >= 12
    assert all(m.summary for m in ended)
    blockers = Blocker.objects.filter(meeting__series=series)
    assert blockers.exclude(handoff=None).count() == blockers.count() >= 10
    assert blockers.filter(resolved_at__isnull=False).count() > blockers.count() / 2
    history = selectors.series_history(series)
    assert history.recurring and not history.running_long
    assert history.attendance_meetings == history.meetings
    assert 0.7 < history.attendance_rate <= 1
    upcoming = selectors.next_meeting(series, timezone.now())
    board = selectors.meeting_board(upcoming)
    assert len(board.carried_action_items) == 2  # the last two weeks' are still open
    # One added by hand, one a pilot's review put there.
    assert [i.title for i in board.agenda] == [
        "Holiday staffing for the December campaign",
        "Pilot review: Support's weekly digest of what customers say",
    ]
    done = ActionItem.objects.filter(meeting__series=series, done_at__isnull=False)
    assert done.count() == ended.count() - 2 and not done.filter(done_by=None).exists()
    assert {t.name for t in selectors.teams_without_update(upcoming)} == {
        "Marketing",
        "Customer Support",
    }
    today = timezone.localdate()
    weeks = metrics.firefighting_hours_by_week(today - timedelta(weeks=14), today)
    first = sum(h for w, _, h in weeks if w == weeks[0][0])
    last_week = max(w for w, _, _ in weeks if w < today - timedelta(days=6))
    last = sum(h for w, _, h in weeks if w == last_week)
    assert first > last > Decimal(0)  # firefighting falls
