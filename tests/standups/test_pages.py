"""Standup pages per role: who may set up, post, run, read; and who may not."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from handoffs.models import Handoff
from standups import services
from standups.models import Blocker, Meeting, Series, Update
from tests.standups.conftest import MONDAY


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def test_an_admin_sets_up_a_weekly_series_in_chair_order(
    client_for, admin_user, marketing, ops, support, tech
):
    response = client_for(admin_user).post(
        reverse("standups:series_new"),
        {
            "name": "Weekly cross-team",
            "weekday": "1",
            "start_time": "10:00",
            "duration_minutes": "20",
            "time_zone": "UTC",
            "teams": [marketing.pk, ops.pk, support.pk, tech.pk],
            "chair_order": "Operations, Marketing",
        },
    )
    series = Series.objects.get()
    assert response.status_code == 302 and response.url == series.get_absolute_url()
    order = list(series.members.values_list("team__name", flat=True))
    assert order == ["Operations", "Marketing", "Customer Support", "Tech"]
    assert series.meetings.count() == 4
    page = client_for(admin_user).get(series.get_absolute_url())
    assert page.status_code == 200
    assert "June 2026</td><td>Operations" in page.content.decode()


def test_a_member_may_not_set_up_a_series(client_for, member):
    assert client_for(member).get(reverse("standups:series_new")).status_code == 403


def test_the_outsider_sees_no_standup(client_for, outsider, meeting):
    client = client_for(outsider)
    for url in [
        reverse("standups:index"),
        meeting.series.get_absolute_url(),
        meeting.get_absolute_url(),
        reverse("standups:meeting_room", args=[meeting.pk]),
        reverse("standups:meeting_export", args=[meeting.pk]),
    ]:
        assert client.get(url).status_code == 403, url


def test_a_member_posts_their_teams_update_with_a_blocker_for_another_team(
    client_for, member, meeting, ops, tech
):
    client = client_for(member)
    form = client.get(reverse("standups:update_post", args=[meeting.pk]))
    assert form.status_code == 200
    response = client.post(
        reverse("standups:update_post", args=[meeting.pk]),
        {
            "team": ops.pk,
            "win_1": "Zone 4 live",
            "win_2": "",
            "needs": "A dashboard for late drivers",
            "firefighting_hours": "4.5",
            "blocker_1": "Driver app crashes on Android 14",
            "blocker_1_team": tech.pk,
        },
    )
    assert response.status_code == 302
    update = Update.objects.get()
    assert (update.team, str(update.firefighting_hours)) == (ops, "4.5")
    assert Handoff.objects.get().team == tech
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Zone 4 live" in page and "Driver app crashes on Android 14" in page


def test_a_blocker_without_the_team_it_needs_is_refused(client_for, member, meeting, ops):
    response = client_for(member).post(
        reverse("standups:update_post", args=[meeting.pk]),
        {"team": ops.pk, "win_1": "x", "firefighting_hours": "1", "blocker_1": "Something"},
    )
    assert response.status_code == 200
    assert "Which team does this blocker need?" in response.content.decode()
    assert not Update.objects.exists()


def test_a_member_cannot_post_for_another_team(client_for, member, meeting, marketing):
    response = client_for(member).post(
        reverse("standups:update_post", args=[meeting.pk]),
        {"team": marketing.pk, "win_1": "x", "firefighting_hours": "1"},
    )
    assert response.status_code == 200 and not Update.objects.exists()


def test_only_the_chair_runs_the_meeting(client_for, member, marketer, meeting):
    url = reverse("standups:meeting_control", args=[meeting.pk, "start"])
    assert client_for(member).post(url).status_code == 403  # Operations does not chair in June
    room = client_for(member).get(reverse("standups:meeting_room", args=[meeting.pk]))
    assert room.status_code == 200 and "Start the meeting" not in room.content.decode()
    response = client_for(marketer).post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-testid="countdown"' in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == "running"


def test_the_chair_adds_decisions_and_action_items_and_ends_the_meeting(
    client_for, marketer, meeting, ops, member
):
    client = client_for(marketer)
    client.post(reverse("standups:meeting_control", args=[meeting.pk, "start"]))
    client.post(
        reverse("standups:meeting_note", args=[meeting.pk, "decision"]),
        {"text": "Pause the Zone 4 promo"},
        HTTP_HX_REQUEST="true",
    )
    response = client.post(
        reverse("standups:meeting_note", args=[meeting.pk, "action"]),
        {
            "text": "Two more drivers",
            "owner_team": ops.pk,
            "owner": member.pk,
            "due_on": "2026-06-05",
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "Pause the Zone 4 promo" in body and "Two more drivers" in body
    with time_machine.travel(MONDAY + timedelta(minutes=18), tick=False):
        end = client.post(
            reverse("standups:meeting_control", args=[meeting.pk, "end"]), HTTP_HX_REQUEST="true"
        )
    assert end["HX-Redirect"] == meeting.get_absolute_url()
    export = client.get(reverse("standups:meeting_export", args=[meeting.pk]))
    assert export["Content-Type"].startswith("text/markdown")
    assert "attachment" in export["Content-Disposition"]
    assert "- Pause the Zone 4 promo" in export.content.decode()


def test_a_blocker_is_resolved_by_the_team_it_needs(
    client_for, meeting, marketing, ops, marketer, member, agent
):
    services.update_post(
        meeting=meeting,
        team=marketing,
        author=marketer,
        win_1="x",
        blockers=[services.BlockerInput("Zone 4 capacity", ops)],
    )
    blocker = Blocker.objects.get()
    url = reverse("standups:blocker_resolve", args=[blocker.pk])
    assert client_for(agent).post(url).status_code == 403  # support is neither side nor chair
    assert client_for(member).post(url).status_code == 302
    blocker.refresh_from_db()
    assert blocker.is_resolved


def test_search_finds_meetings_by_what_was_said(client_for, member, meeting, ops):
    services.update_post(meeting=meeting, team=ops, author=member, win_1="Launched Zone 4")
    body = client_for(member).get(reverse("standups:search"), {"q": "zone 4"}).content.decode()
    assert meeting.get_absolute_url() in body
    body = client_for(member).get(reverse("standups:search"), {"q": "nothing"}).content.decode()
    assert meeting.get_absolute_url() not in body


def test_the_home_page_shows_this_weeks_standup_and_who_must_post(client_for, member, meeting):
    body = client_for(member).get("/").content.decode()
    assert "Weekly cross-team" in body
    assert "Post Operations&#x27;s update" in body or "Post Operations's update" in body


def test_the_series_page_warns_when_meetings_run_long(client_for, member, series, marketer):
    for n, meeting in enumerate(series.meetings.order_by("scheduled_at")[:3]):
        with time_machine.travel(meeting.scheduled_at, tick=False):
            services.meeting_start(meeting=meeting, actor=marketer)
        with time_machine.travel(meeting.scheduled_at + timedelta(minutes=26 + n), tick=False):
            services.meeting_end(meeting=meeting, actor=marketer)
    with time_machine.travel(MONDAY + timedelta(days=30), tick=False):
        body = client_for(member).get(series.get_absolute_url()).content.decode()
    assert 'data-testid="running-long"' in body
