"""The pages and the API for what changes after setup: chair order, skipping an away chair,
pausing, agenda items by hand, action items done, attendance. Each journey runs through the page
and through the API and must leave the same rows behind."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from standups import services
from standups.models import ActionItem, AgendaItem, Attendance, Meeting, Series
from tests.standups.conftest import MONDAY


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def order(series):
    return list(series.members.values_list("team__slug", flat=True))


# --- Chair order -------------------------------------------------------------------------------


def test_an_admin_changes_the_chair_order_on_the_page(client_for, admin_user, series, tech, ops):
    client = client_for(admin_user)
    url = reverse("standups:series_chairs", args=[series.pk])
    assert client.get(url).status_code == 200
    teams = [t.pk for t in (tech, ops)] + list(
        series.members.exclude(team__in=[tech, ops]).values_list("team_id", flat=True)
    )
    response = client.post(url, {f"place_{i}": pk for i, pk in enumerate(teams, start=1)})
    assert response.status_code == 302
    assert order(series) == ["tech", "operations", "marketing", "customer-support"]
    assert series.meetings.order_by("scheduled_at").first().chair == tech


def test_a_team_chosen_twice_is_refused_and_nothing_changes(client_for, admin_user, series, tech):
    before = order(series)
    response = client_for(admin_user).post(
        reverse("standups:series_chairs", args=[series.pk]),
        {"place_1": tech.pk, "place_2": tech.pk, "place_3": tech.pk, "place_4": tech.pk},
    )
    assert response.status_code == 200
    assert "a team is chosen twice" in response.content.decode()
    assert order(series) == before


def test_the_chair_order_page_and_api_agree(
    client_for, api_for, admin_user, series, tech, ops, marketing, support
):
    new = [tech, ops, marketing, support]
    response = client_for(admin_user).post(
        reverse("standups:series_chairs", args=[series.pk]),
        {f"place_{i}": t.pk for i, t in enumerate(new, 1)} | {"from_month": "2026-07"},
    )
    assert response.status_code == 302
    by_page = (order(series), Series.objects.get(pk=series.pk).rotation_start)
    assert by_page == (["tech", "operations", "marketing", "customer-support"], date(2026, 7, 1))
    services.series_set_chair_order(
        actor=admin_user,
        series=series,
        teams=[m.team for m in series.members.all()][::-1],
        from_month=date(2026, 6, 1),
    )
    response = api_for(admin_user).post(
        f"/api/v1/standups/{series.pk}/chair-order/",
        {"teams": by_page[0], "from_month": "2026-07-01"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["teams"] == by_page[0]
    assert (order(series), Series.objects.get(pk=series.pk).rotation_start) == by_page
    assert response.json()["rotation_start"] == "2026-07-01"


def test_members_may_not_change_the_chair_order(client_for, api_for, member, series, ops, tech):
    assert (
        client_for(member).get(reverse("standups:series_chairs", args=[series.pk])).status_code
        == 403
    )
    response = api_for(member).post(
        f"/api/v1/standups/{series.pk}/chair-order/",
        {"teams": ["operations", "tech"]},
        format="json",
    )
    assert response.status_code == 403
    bad = api_for().post(f"/api/v1/standups/{series.pk}/chair-order/", {}, format="json")
    assert bad.status_code in (401, 403)


def test_a_chair_order_with_an_unknown_team_is_a_clear_400(api_for, admin_user, series):
    before = order(series)
    response = api_for(admin_user).post(
        f"/api/v1/standups/{series.pk}/chair-order/", {"teams": ["nope", "tech"]}, format="json"
    )
    assert response.status_code == 400 and "nope" in str(response.json())
    assert order(series) == before


# --- Skipping an away chair --------------------------------------------------------------------


def test_the_chair_passes_the_chair_on_from_the_page_and_the_api(
    client_for, api_for, marketer, member, series, ops, support
):
    first, second = series.meetings.order_by("scheduled_at")[:2]
    url = reverse("standups:meeting_skip_chair", args=[first.pk])
    assert client_for(member).post(url).status_code == 403  # Operations does not chair in June
    assert client_for(marketer).post(url).status_code == 302
    response = api_for(marketer).post(f"/api/v1/standup-meetings/{second.pk}/skip-chair/")
    assert response.status_code == 200, response.json()
    assert (response.json()["chair"], response.json()["chair_skipped"]) == ("operations", True)
    assert [m.chair for m in Meeting.objects.filter(pk__in=[first.pk, second.pk])] == [ops, ops]
    # Operations now chairs the first meeting; it may not pass on a running meeting.
    services.meeting_start(meeting=first, actor=member)
    refused = api_for(member).post(f"/api/v1/standup-meetings/{first.pk}/skip-chair/")
    assert refused.status_code == 400 and "hasn't started" in refused.json()["detail"]


# --- Pause and resume --------------------------------------------------------------------------


def test_an_admin_pauses_and_resumes_on_the_page_and_the_api(
    client_for, api_for, admin_user, member, series
):
    pause = reverse("standups:series_state", args=[series.pk, "pause"])
    assert client_for(member).post(pause).status_code == 403
    client = client_for(admin_user)
    assert client.post(pause).status_code == 302
    page = client.get(series.get_absolute_url()).content.decode()
    assert 'data-testid="paused"' in page and "Resume" in page
    assert not Series.objects.get(pk=series.pk).active and not series.meetings.exists()
    body = client_for(member).get(reverse("standups:index")).content.decode()
    assert "paused" in body

    response = api_for(admin_user).post(f"/api/v1/standups/{series.pk}/resume/")
    assert response.status_code == 200 and response.json()["active"] is True
    assert series.meetings.count() == 4
    response = api_for(admin_user).post(f"/api/v1/standups/{series.pk}/pause/")
    assert response.json()["active"] is False and response.json()["paused_at"]
    assert api_for(member).post(f"/api/v1/standups/{series.pk}/resume/").status_code == 403
    other = reverse("standups:series_state", args=[series.pk, "other"])
    assert client_for(admin_user).post(other).status_code == 404


# --- Agenda items by hand ----------------------------------------------------------------------


def test_a_member_adds_an_agenda_item_on_the_page_and_the_api_alike(
    client_for, api_for, member, meeting, ops
):
    response = client_for(member).post(
        reverse("standups:agenda_add", args=[meeting.pk]),
        {"title": "Holiday staffing", "body": "Five minutes", "team": ops.pk},
    )
    assert response.status_code == 302
    api = api_for(member).post(
        f"/api/v1/standup-meetings/{meeting.pk}/agenda-items/",
        {"title": "Holiday staffing", "body": "Five minutes", "team": "operations"},
        format="json",
    )
    assert api.status_code == 201, api.json()
    assert api.json()["created_by"] == str(member) and api.json()["team"] == "operations"
    rows = list(AgendaItem.objects.values_list("title", "body", "team", "created_by", "event"))
    assert rows[0] == rows[1] == ("Holiday staffing", "Five minutes", ops.pk, member.pk, None)
    page = client_for(member).get(meeting.get_absolute_url()).content.decode()
    assert "Holiday staffing" in page and 'data-testid="agenda-form"' in page


def test_an_agenda_item_needs_a_title_and_a_team_of_the_standup(
    client_for, api_for, member, outsider, meeting
):
    api = api_for(member).post(
        f"/api/v1/standup-meetings/{meeting.pk}/agenda-items/", {"title": " "}, format="json"
    )
    assert api.status_code == 400
    response = client_for(member).post(reverse("standups:agenda_add", args=[meeting.pk]), {})
    assert response.status_code == 302
    assert not AgendaItem.objects.exists()
    assert (
        api_for(outsider)
        .post(f"/api/v1/standup-meetings/{meeting.pk}/agenda-items/", {"title": "x"})
        .status_code
        == 403
    )


def test_someone_whose_team_is_not_in_the_standup_may_not_add_to_its_agenda(
    client_for, api_for, admin_user, member, marketing, ops, tech
):
    other = services.series_create(
        actor=admin_user, name="Marketing and Tech", teams=[marketing, tech], now=MONDAY
    )
    meeting = other.meetings.first()
    assert (
        client_for(member)
        .post(reverse("standups:agenda_add", args=[meeting.pk]), {"title": "x"})
        .status_code
        == 403
    )
    response = api_for(member).post(
        f"/api/v1/standup-meetings/{meeting.pk}/agenda-items/", {"title": "x"}, format="json"
    )
    assert response.status_code == 403 and not AgendaItem.objects.exists()


# --- Action items ------------------------------------------------------------------------------


@pytest.fixture
def item(meeting, marketer, ops):
    return services.action_item_add(
        meeting=meeting, actor=marketer, text="Two more drivers", owner_team=ops
    )


def test_the_owner_team_marks_an_action_item_done_on_the_page_and_the_api(
    client_for, api_for, member, agent, item, meeting
):
    url = reverse("standups:action_item_state", args=[item.pk, "done"])
    assert client_for(agent).post(url).status_code == 403  # Support: not owner, not chair
    assert not ActionItem.objects.get().is_done
    assert client_for(member).post(url, {"next": meeting.get_absolute_url()}).status_code == 302
    by_page = ActionItem.objects.values_list("done_at", "done_by").get()
    assert by_page == (MONDAY, member.pk)

    reopen = api_for(member).post(f"/api/v1/standup-action-items/{item.pk}/reopen/")
    assert reopen.status_code == 200 and reopen.json()["done_at"] is None
    done = api_for(member).post(f"/api/v1/standup-action-items/{item.pk}/done/")
    assert done.status_code == 200
    assert done.json()["done_by"] == str(member)
    assert ActionItem.objects.values_list("done_at", "done_by").get() == by_page
    assert api_for(agent).post(f"/api/v1/standup-action-items/{item.pk}/done/").status_code == 403


def test_open_action_items_are_listed_and_carried_to_the_next_meeting_page(
    client_for, api_for, member, item, series
):
    listed = api_for(member).get("/api/v1/standup-action-items/?open=true&team=operations").json()
    assert [r["id"] for r in listed["results"]] == [item.pk]
    assert api_for(member).get("/api/v1/standup-action-items/?open=maybe").status_code == 400
    following = series.meetings.order_by("scheduled_at")[1]
    page = client_for(member).get(following.get_absolute_url()).content.decode()
    assert 'data-testid="carried-action-items"' in page and "Two more drivers" in page
    services.action_item_complete(item=item, actor=member)
    assert api_for(member).get("/api/v1/standup-action-items/?open=true").json()["count"] == 0
    page = client_for(member).get(following.get_absolute_url()).content.decode()
    assert "Two more drivers" not in page


# --- Attendance --------------------------------------------------------------------------------


def test_the_chair_takes_attendance_on_the_page_and_the_api_alike(
    client_for, api_for, marketer, member, agent, meeting, marketing, ops, support
):
    url = reverse("standups:meeting_attendance", args=[meeting.pk])
    assert client_for(member).get(url).status_code == 403  # not the chair
    services.meeting_start(meeting=meeting, actor=marketer)
    client = client_for(marketer)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {f"team_{marketing.pk}": [marketer.pk], f"team_{ops.pk}": [member.pk]}
    )
    assert response.status_code == 302
    by_page = set(Attendance.objects.values_list("user", "team"))
    assert by_page == {(marketer.pk, marketing.pk), (member.pk, ops.pk)}

    api = api_for(marketer).post(
        f"/api/v1/standup-meetings/{meeting.pk}/attendance/",
        {"attendees": [{"email": marketer.email}, {"email": member.email, "team": "operations"}]},
        format="json",
    )
    assert api.status_code == 200, api.json()
    assert {(a["email"], a["team"]) for a in api.json()["attendance"]} == {
        (marketer.email, "marketing"),
        (member.email, "operations"),
    }
    assert set(Attendance.objects.values_list("user", "team")) == by_page
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Absent: Customer Support, Tech" in page


def test_attendance_with_a_stranger_is_refused_and_changes_nothing(
    api_for, marketer, outsider, meeting, member
):
    services.meeting_start(meeting=meeting, actor=marketer)
    url = f"/api/v1/standup-meetings/{meeting.pk}/attendance/"
    response = api_for(marketer).post(
        url, {"attendees": [{"email": marketer.email}, {"email": outsider.email}]}, format="json"
    )
    assert response.status_code == 400
    assert "is not in any team of this standup" in response.json()["detail"]
    unknown = api_for(marketer).post(
        url, {"attendees": [{"email": "ghost@nowhere.test"}]}, format="json"
    )
    assert unknown.status_code == 400 and "ghost@nowhere.test" in str(unknown.json())
    assert api_for(member).post(url, {"attendees": []}, format="json").status_code == 403
    assert not Attendance.objects.exists()


def test_the_series_page_shows_attendance_apart_from_updates(
    client_for, member, marketer, series, meeting
):
    services.meeting_start(meeting=meeting, actor=marketer)
    services.attendance_set(meeting=meeting, actor=marketer, attendees=[marketer, member])
    services.meeting_end(meeting=meeting, actor=marketer, now=MONDAY + timedelta(days=1, hours=1))
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        body = client_for(member).get(series.get_absolute_url()).content.decode()
    assert "2 of 4 teams" in body and "Updates posted" in body
    assert "50%" in body  # two of four teams present in the one meeting with attendance


# --- Running the meeting through the API, as the room does -----------------------------------


def test_the_chair_runs_the_meeting_through_the_api_as_in_the_room(
    client_for, api_for, marketer, member, series, ops, marketing
):
    by_room, by_api = series.meetings.order_by("scheduled_at")[:2]
    client = client_for(marketer)
    for action in ("start", "extend", "next"):
        client.post(reverse("standups:meeting_control", args=[by_room.pk, action]))
    client.post(reverse("standups:meeting_note", args=[by_room.pk, "decision"]), {"text": "Go"})
    client.post(
        reverse("standups:meeting_note", args=[by_room.pk, "action"]),
        {"text": "Two drivers", "owner_team": ops.pk, "owner": member.pk, "due_on": "2026-06-20"},
    )
    client.post(reverse("standups:meeting_control", args=[by_room.pk, "end"]))

    api = api_for(marketer)
    url = f"/api/v1/standup-meetings/{by_api.pk}"
    # Marketing chairs in June: the API refuses Operations, like the room does.
    assert api_for(member).post(f"{url}/start/").status_code == 403
    assert api.post(f"{url}/start/").json()["status"] == "running"
    assert api.post(f"{url}/extend/", {"seconds": 60}, format="json").status_code == 200
    assert api.post(f"{url}/next/").status_code == 200
    assert api.post(f"{url}/decisions/", {"text": "Go"}, format="json").status_code == 201
    added = api.post(
        f"{url}/action-items/",
        {
            "text": "Two drivers",
            "owner_team": "operations",
            "owner": member.email,
            "due_on": "2026-06-20",
        },
        format="json",
    )
    assert added.status_code == 201, added.json()
    ended = api.post(f"{url}/end/").json()
    assert ended["status"] == "ended" and ended["summary"]

    def state(m):
        m = Meeting.objects.get(pk=m.pk)
        items = list(m.action_items.values_list("text", "owner_team", "owner", "due_on"))
        return (m.status, m.turn, list(m.decisions.values_list("text", flat=True)), items)

    assert state(by_room) == state(by_api)


def test_bad_meeting_input_through_the_api_is_a_clear_400_and_changes_nothing(
    api_for, marketer, meeting, tech, outsider
):
    api = api_for(marketer)
    url = f"/api/v1/standup-meetings/{meeting.pk}"
    refused = api.post(f"{url}/next/")
    assert refused.status_code == 400 and refused.json()["detail"] == "Start the standup first."
    assert api.post(f"{url}/extend/", {"seconds": 9999}, format="json").status_code == 400
    stranger = api.post(
        f"{url}/action-items/",
        {"text": "x", "owner_team": "operations", "owner": outsider.email},
        format="json",
    )
    assert stranger.status_code == 400 and "is not in Operations" in stranger.json()["detail"]
    assert api.post(f"{url}/decisions/", {"text": ""}, format="json").status_code == 400
    assert not ActionItem.objects.exists() and not meeting.decisions.exists()
    assert api.post("/api/v1/standup-meetings/abc/start/").status_code == 404


def test_a_blocker_is_resolved_through_the_api_by_the_team_it_needs(
    api_for, meeting, marketing, ops, marketer, member, agent
):
    services.update_post(
        meeting=meeting,
        team=marketing,
        author=marketer,
        win_1="x",
        blockers=[services.BlockerInput("Zone 4 capacity", ops)],
    )
    blocker = meeting.blockers.get()
    url = f"/api/v1/standup-blockers/{blocker.pk}/resolve/"
    assert api_for(agent).post(url).status_code == 403
    response = api_for(member).post(url)
    assert response.status_code == 200 and response.json()["resolved_at"]
    assert response.json()["handoff_status"] == "done"


def test_the_home_page_lists_my_teams_open_action_items(client_for, member, item):
    body = client_for(member).get("/").content.decode()
    assert 'data-testid="home-action-items"' in body and "Two more drivers" in body
    services.action_item_complete(item=item, actor=member)
    assert "Two more drivers" not in client_for(member).get("/").content.decode()


def test_an_agenda_item_is_taken_off_by_its_author_or_the_chair_on_the_page_and_the_api(
    client_for, api_for, member, agent, marketer, meeting, ops
):
    first = services.agenda_item_add(meeting=meeting, title="Holiday staffing", actor=member)
    second = services.agenda_item_add(meeting=meeting, title="Van rota", actor=member)
    page = client_for(agent).get(meeting.get_absolute_url()).content.decode()
    assert "Remove from the agenda" not in page  # Support neither wrote them nor chairs
    url = reverse("standups:agenda_remove", args=[first.pk])
    assert client_for(agent).post(url).status_code == 403
    assert api_for(agent).delete(f"/api/v1/standup-agenda-items/{second.pk}/").status_code == 403
    assert AgendaItem.objects.count() == 2

    page = client_for(member).get(meeting.get_absolute_url()).content.decode()
    assert "Remove from the agenda: Holiday staffing" in page
    assert client_for(member).post(url).status_code == 302  # its author, on the page
    listed = api_for(member).get(f"/api/v1/standup-agenda-items/?meeting={meeting.pk}").json()
    assert [r["title"] for r in listed["results"]] == ["Van rota"]
    # The chair (Marketing) through the API.
    response = api_for(marketer).delete(f"/api/v1/standup-agenda-items/{second.pk}/")
    assert response.status_code == 204 and not AgendaItem.objects.exists()


def test_an_ended_meetings_agenda_stays_as_the_record(api_for, marketer, meeting):
    item = services.agenda_item_add(meeting=meeting, title="Holiday staffing", actor=marketer)
    services.meeting_start(meeting=meeting, actor=marketer)
    services.meeting_end(meeting=meeting, actor=marketer)
    response = api_for(marketer).delete(f"/api/v1/standup-agenda-items/{item.pk}/")
    assert response.status_code == 400 and "part of the record" in response.json()["detail"]
    assert AgendaItem.objects.filter(pk=item.pk).exists()


def test_the_series_history_and_search_in_the_api_match_the_pages(
    client_for, api_for, member, marketer, series, meeting, ops
):
    services.update_post(meeting=meeting, team=ops, author=member, win_1="Zone 4 live")
    services.meeting_start(meeting=meeting, actor=marketer)
    services.attendance_set(meeting=meeting, actor=marketer, attendees=[marketer, member])
    services.meeting_end(meeting=meeting, actor=marketer, now=MONDAY + timedelta(days=1, hours=1))
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        page = client_for(member).get(series.get_absolute_url()).content.decode()
        history = api_for(member).get(f"/api/v1/standups/{series.pk}/history/").json()
    assert (history["attendance_rate"], history["attendance_meetings"]) == (0.5, 1)
    assert history["posted_rate"] == 0.25 and history["running_long"] is False
    assert history["lengths"][0]["meeting"] == meeting.pk
    assert "50%" in page and "25%" in page

    found = api_for(member).get("/api/v1/standup-meetings/?q=zone 4").json()
    assert [m["id"] for m in found["results"]] == [meeting.pk]
    search = client_for(member).get(reverse("standups:search"), {"q": "zone 4"}).content.decode()
    assert meeting.get_absolute_url() in search
    assert api_for(member).get("/api/v1/standup-meetings/?q=nothing-like-it").json()["count"] == 0
