from handoffs.models import Integration


def test_admin_creates_integration_and_gets_webhook_url(api_for, admin_user):
    response = api_for(admin_user).post(
        "/api/v1/integrations/", {"name": "Zapier", "kind": "generic"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    integration = Integration.objects.get()
    assert body["webhook_url"] == f"http://testserver/hooks/{integration.token}/"
    assert body["signing_secret"] == integration.secret
    assert "secret" not in body

    listed = api_for(admin_user).get("/api/v1/integrations/").json()
    assert listed["count"] == 1
    assert "signing_secret" not in listed["results"][0]
    assert integration.secret not in str(listed)


def test_provider_secret_is_never_echoed(api_for, admin_user):
    response = api_for(admin_user).post(
        "/api/v1/integrations/",
        {"name": "Onfleet", "kind": "onfleet", "secret": "ab" * 32},
        format="json",
    )
    assert response.status_code == 201
    assert "ab" * 32 not in response.content.decode()


def test_members_cannot_use_the_integrations_api(api_for, member, generic):
    api = api_for(member)
    assert api.get("/api/v1/integrations/").status_code == 403
    assert api.post("/api/v1/integrations/", {"name": "x", "kind": "generic"}).status_code == 403
    assert api.delete(f"/api/v1/integrations/{generic.pk}/").status_code == 403
    assert Integration.objects.count() == 1


def test_bad_kind_and_bad_secret_are_clear_400s(api_for, admin_user):
    api = api_for(admin_user)
    bad_kind = api.post("/api/v1/integrations/", {"name": "x", "kind": "salesforce"}, format="json")
    assert bad_kind.status_code == 400
    assert "kind" in bad_kind.json()["errors"]
    bad_secret = api.post(
        "/api/v1/integrations/", {"name": "x", "kind": "onfleet", "secret": "zz"}, format="json"
    )
    assert bad_secret.status_code == 400
    assert "hexadecimal" in bad_secret.json()["detail"]
    assert not Integration.objects.exists()


def test_pause_rotate_and_delete_through_the_api(api_for, admin_user, generic):
    api = api_for(admin_user)
    url = f"/api/v1/integrations/{generic.pk}/"
    assert api.patch(url, {"status": "paused"}, format="json").json()["status"] == "paused"
    assert api.patch(url, {"secret": "x"}, format="json").status_code == 400

    rotated = api.post(f"{url}rotate-secret/", {"grace_hours": 1}, format="json").json()
    generic.refresh_from_db()
    assert rotated["signing_secret"] == generic.secret
    assert generic.previous_secret == "generic-secret-42"

    assert api.delete(url).status_code == 204
    assert not Integration.objects.exists()


def test_events_api_filters_by_integration(api_for, admin_user, onfleet, post_hook):
    from tests.handoffs import payloads

    body = payloads.dumps(payloads.onfleet_task_event())
    post_hook(onfleet, body, **payloads.onfleet_headers(body))
    api = api_for(admin_user)
    assert api.get(f"/api/v1/events/?integration={onfleet.pk}").json()["count"] == 1
    assert api.get(f"/api/v1/events/?integration={onfleet.pk + 1}").json()["count"] == 0
    assert api.get("/api/v1/events/?integration=abc").status_code == 400
