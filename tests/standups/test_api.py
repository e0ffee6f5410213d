"""The standups API: series and meetings (members read, admins set up) and updates."""

import time_machine

from handoffs.models import Handoff
from standups.models import Update
from tests.standups.conftest import MONDAY


def test_an_admin_sets_up_a_series_through_the_api(api_for, admin_user, marketing, ops, tech):
    with time_machine.travel(MONDAY, tick=False):
        response = api_for(admin_user).post(
            "/api/v1/standups/",
            {
                "name": "API standup",
                "weekday": 3,
                "start_time": "09:30",
                "teams": ["tech", "operations", "marketing"],
                "time_zone": "Europe/Berlin",
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["teams"] == ["tech", "operations", "marketing"]
    assert body["chair_this_month"] == "tech"
    meetings = api_for(admin_user).get(f"/api/v1/standups/{body['id']}/meetings/").json()
    assert meetings["count"] == 4


def test_members_read_but_may_not_set_up_series(api_for, member, series):
    assert api_for(member).get("/api/v1/standups/").json()["count"] == 1
    response = api_for(member).post(
        "/api/v1/standups/", {"name": "x", "teams": ["operations"]}, format="json"
    )
    assert response.status_code == 403


def test_a_series_needs_two_teams(api_for, admin_user, ops):
    response = api_for(admin_user).post(
        "/api/v1/standups/", {"name": "Solo", "teams": ["operations"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "A cross-team standup needs at least two teams."


def test_a_member_posts_their_teams_update_with_a_blocker(api_for, member, meeting, tech):
    with time_machine.travel(MONDAY, tick=False):
        response = api_for(member).post(
            "/api/v1/updates/",
            {
                "meeting": meeting.pk,
                "team": "operations",
                "win_1": "Zone 4 live",
                "firefighting_hours": "3.0",
                "blockers": [{"text": "Scanner app down", "needs_team": "tech"}],
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["on_time"] is True
    assert body["raised_blockers"][0]["needs_team"] == "tech"
    assert body["raised_blockers"][0]["handoff_status"] == "open"
    assert Handoff.objects.get().team == tech
    listed = api_for(member).get(f"/api/v1/updates/?meeting={meeting.pk}").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    detail = api_for(member).get(f"/api/v1/standup-meetings/{meeting.pk}/").json()
    assert detail["updates"][0]["win_1"] == "Zone 4 live"


def test_a_member_cannot_post_another_teams_update(api_for, member, meeting):
    response = api_for(member).post(
        "/api/v1/updates/",
        {"meeting": meeting.pk, "team": "marketing", "win_1": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Only members of Marketing can post its update."
    assert not Update.objects.exists()


def test_outsiders_and_strangers_get_nothing(api_for, outsider, meeting):
    assert api_for(outsider).get("/api/v1/standups/").status_code == 403
    assert api_for(outsider).get("/api/v1/updates/").status_code == 403
    assert api_for().get("/api/v1/standup-meetings/").status_code in (401, 403)


def test_a_bad_filter_is_a_clear_400(api_for, member, meeting):
    response = api_for(member).get("/api/v1/standup-meetings/?series=abc")
    assert response.status_code == 400
    assert "series" in response.json()["errors"] or "series" in str(response.json())
