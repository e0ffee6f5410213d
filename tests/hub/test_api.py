import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from hub import events
from hub.models import Team


def test_anonymous_gets_json_401(api_for, db):
    response = api_for().get("/api/v1/teams/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_outsider_gets_403(api_for, outsider):
    assert api_for(outsider).get("/api/v1/teams/").status_code == 403
    assert api_for(outsider).get("/api/v1/events/").status_code == 403


def test_member_lists_teams_paginated(api_for, member, marketing):
    body = api_for(member).get("/api/v1/teams/").json()
    assert body["count"] == 2
    assert {"next", "previous", "results"} <= set(body)
    assert [t["name"] for t in body["results"]] == ["Marketing", "Operations"]
    assert body["results"][1]["member_count"] == 1


def test_member_cannot_create_teams(api_for, member):
    response = api_for(member).post("/api/v1/teams/", {"name": "Finance"}, format="json")
    assert response.status_code == 403
    assert not Team.objects.filter(name="Finance").exists()


def test_admin_creates_renames_and_deletes_a_team(api_for, admin_user):
    api = api_for(admin_user)
    created = api.post("/api/v1/teams/", {"name": "Finance", "kind": "other"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["slug"] == "finance"

    renamed = api.patch("/api/v1/teams/finance/", {"name": "Finance & Legal"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Finance & Legal"

    slug = renamed.json()["slug"]
    assert api.delete(f"/api/v1/teams/{slug}/").status_code == 204
    assert not Team.objects.filter(slug=slug).exists()


def test_duplicate_team_name_is_a_clear_400(api_for, admin_user):
    response = api_for(admin_user).post("/api/v1/teams/", {"name": "operations"}, format="json")
    assert response.status_code == 400
    assert "already exists" in response.json()["detail"]


def test_team_with_members_cannot_be_deleted(api_for, admin_user, ops):
    response = api_for(admin_user).delete("/api/v1/teams/operations/")
    assert response.status_code == 400
    assert "members" in response.json()["detail"]
    assert Team.objects.filter(pk=ops.pk).exists()


def test_invalid_team_payload_names_the_field(api_for, admin_user):
    response = api_for(admin_user).post("/api/v1/teams/", {"kind": "nonsense"}, format="json")
    assert response.status_code == 400
    assert {"name", "kind"} <= set(response.json()["errors"])


def test_events_list_newest_first_with_filters(api_for, admin_user):
    events.record("onfleet", "onfleet.taskCompleted", "t1", {"a": 1})
    events.record("hubspot", "hubspot.contact.creation", "c1", {"b": 2})
    events.record("onfleet", "onfleet.taskFailed", "t2", {"c": 3})
    api = api_for(admin_user)

    body = api.get("/api/v1/events/").json()
    assert [e["external_id"] for e in body["results"]] == ["t2", "c1", "t1"]

    only_onfleet = api.get("/api/v1/events/?source=onfleet").json()
    assert [e["external_id"] for e in only_onfleet["results"]] == ["t2", "t1"]

    by_type = api.get("/api/v1/events/?type=hubspot.contact.creation").json()
    assert by_type["count"] == 1
    assert by_type["results"][0]["payload"] == {"b": 2}


def test_events_bad_status_filter_is_400(api_for, admin_user):
    response = api_for(admin_user).get("/api/v1/events/?status=weird")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_raw_payloads_reach_admins_only_as_on_the_web(
    api_for, client_for, member, manager, admin_user
):
    recorded = events.record("onfleet", "onfleet.taskCompleted", "t1", {"phone": "+1 555 0101"})
    for person in (member, manager):
        assert api_for(person).get("/api/v1/events/").status_code == 403
        assert api_for(person).get(f"/api/v1/events/{recorded.event.pk}/").status_code == 403
        assert client_for(person).get("/handoffs/events/").status_code == 403
    body = api_for(admin_user).get(f"/api/v1/events/{recorded.event.pk}/").json()
    assert body["payload"] == {"phone": "+1 555 0101"}


def test_events_are_read_only(api_for, admin_user):
    response = api_for(admin_user).post("/api/v1/events/", {}, format="json")
    assert response.status_code == 405


def test_list_endpoint_query_count_does_not_grow(
    api_for, admin_user, django_assert_max_num_queries
):
    for i in range(30):
        events.record("generic", "generic.x", f"e{i}")
    api = api_for(admin_user)
    with django_assert_max_num_queries(6):
        api.get("/api/v1/events/")
    with django_assert_max_num_queries(6):
        api.get("/api/v1/teams/")


def test_token_from_drf_create_token_authenticates(member, capsys):
    call_command("drf_create_token", member.username)
    key = capsys.readouterr().out.split()[2]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/teams/").status_code == 200


def test_wrong_token_is_401(db):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/teams/").status_code == 401


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_api_schema_and_docs_are_served_to_signed_in_people(client_for, member, url):
    response = client_for(member).get(url)
    assert response.status_code == 200


def test_schema_describes_teams_and_events(client_for, member):
    schema = client_for(member).get("/api/schema/?format=json").json()
    assert "/api/v1/teams/" in schema["paths"]
    assert "/api/v1/events/" in schema["paths"]


def test_a_nul_character_anywhere_in_an_api_request_is_a_400(api_for, member):
    api = api_for(member)
    as_form = api.post(
        "/api/v1/updates/",
        "team=ops%00x&meeting=1",
        content_type="application/x-www-form-urlencoded",
    )
    as_json = api.post("/api/v1/handoffs/", {"team": "ops\u0000x", "title": "x"}, format="json")
    in_query = api.get("/api/v1/handoffs/?team=ops%00x")
    for answer in (as_form, as_json, in_query):
        assert answer.status_code == 400
        assert "NUL characters" in answer.json()["detail"]
