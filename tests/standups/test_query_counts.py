"""No N+1 on standup lists: the same queries with 3 rows as with 12."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from standups import services
from standups.models import Meeting
from tests.standups.conftest import MONDAY


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def grow(series, n: int, marketing, ops, marketer, member) -> None:
    """Add ``n`` past meetings, each with two updates, a blocker, a decision and an action."""
    start = series.meetings.filter(status="scheduled").order_by("scheduled_at")[0].scheduled_at
    have = Meeting.objects.filter(scheduled_at__lt=start).count()
    for i in range(have + 1, have + n + 1):
        meeting = Meeting.objects.create(
            series=series, scheduled_at=start - timedelta(weeks=i), chair=marketing
        )
        at = meeting.scheduled_at - timedelta(hours=1)
        services.update_post(
            meeting=meeting,
            team=marketing,
            author=marketer,
            win_1=f"win {i}",
            blockers=[services.BlockerInput(f"blocker {i}", ops)],
            now=at,
        )
        services.update_post(meeting=meeting, team=ops, author=member, win_1=f"ops {i}", now=at)
        services.meeting_start(meeting=meeting, actor=marketer, now=meeting.scheduled_at)
        services.decision_add(meeting=meeting, actor=marketer, text=f"decision {i}")
        services.action_item_add(meeting=meeting, actor=marketer, text=f"do {i}", owner_team=ops)
        services.meeting_end(
            meeting=meeting, actor=marketer, now=meeting.scheduled_at + timedelta(minutes=19)
        )


@pytest.mark.parametrize(
    "url",
    [
        "/standups/",
        "/standups/series/{series}/",
        "/standups/search/?q=win",
        "/api/v1/standup-meetings/",
        "/api/v1/updates/",
        "/api/v1/standups/{series}/meetings/",
    ],
)
def test_standup_lists_do_not_query_per_row(
    client_for, series, marketing, ops, marketer, member, url
):
    url = url.format(series=series.pk)
    client = client_for(member)
    grow(series, 3, marketing, ops, marketer, member)
    few = queries(client, url)
    grow(series, 9, marketing, ops, marketer, member)
    assert queries(client, url) == few


def test_the_meeting_page_costs_the_same_with_more_blockers(
    client_for, meeting, marketing, ops, marketer, member
):
    client = client_for(member)
    url = meeting.get_absolute_url()
    for i in range(3):
        services.blocker_raise(
            meeting=meeting,
            team=marketing,
            needs_team=ops,
            text=f"b{i}",
            actor=marketer,
            now=MONDAY,
        )
    few = queries(client, url)
    for i in range(3, 12):
        services.blocker_raise(
            meeting=meeting,
            team=marketing,
            needs_team=ops,
            text=f"b{i}",
            actor=marketer,
            now=MONDAY,
        )
    assert queries(client, url) == few
