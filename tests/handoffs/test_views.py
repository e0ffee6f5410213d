import pytest

from handoffs.models import Integration
from hub.models import AuditLog, Event
from tests.handoffs import payloads
from tests.handoffs.payloads import dumps

ADMIN_ONLY = ["/handoffs/integrations/", "/handoffs/events/", "/handoffs/imports/"]


@pytest.mark.parametrize("url", ADMIN_ONLY)
def test_members_cannot_see_integrations_events_or_imports(client_for, member, manager, url):
    assert client_for(member).get(url).status_code == 403
    assert client_for(manager).get(url).status_code == 403


@pytest.mark.parametrize("url", ADMIN_ONLY)
def test_anonymous_is_sent_to_sign_in(client, db, url):
    assert client.get(url).status_code == 302


def test_member_sees_the_handoffs_page_without_admin_cards(client_for, member):
    page = client_for(member).get("/handoffs/").content.decode()
    assert "Manage integrations" not in page


def test_admin_creates_onfleet_integration_and_sees_setup(client_for, admin_user):
    client = client_for(admin_user)
    response = client.post(
        "/handoffs/integrations/",
        {"kind": "onfleet", "name": "Onfleet prod", "secret": payloads.ONFLEET_SECRET},
    )
    integration = Integration.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"/hooks/{integration.token}/" in page
    assert "taskCompleted" in page
    assert payloads.ONFLEET_SECRET not in page  # write-only
    assert AuditLog.objects.filter(action="integration.create").exists()


def test_onfleet_secret_must_be_hex(client_for, admin_user):
    response = client_for(admin_user).post(
        "/handoffs/integrations/", {"kind": "onfleet", "name": "x", "secret": "not hex!"}
    )
    assert response.status_code == 200
    assert "hexadecimal" in response.content.decode()
    assert not Integration.objects.exists()


def test_generated_typeform_secret_is_shown_exactly_once(client_for, admin_user):
    client = client_for(admin_user)
    response = client.post("/handoffs/integrations/", {"kind": "typeform", "name": "NPS form"})
    integration = Integration.objects.get()
    first = client.get(response["Location"]).content.decode()
    second = client.get(response["Location"]).content.decode()
    assert integration.secret in first
    assert integration.secret not in second


def test_pause_resume_rotate_and_delete(client_for, admin_user, onfleet):
    client = client_for(admin_user)
    base = f"/handoffs/integrations/{onfleet.pk}"
    client.post(f"{base}/pause/")
    onfleet.refresh_from_db()
    assert onfleet.status == "paused"
    client.post(f"{base}/resume/")
    onfleet.refresh_from_db()
    assert onfleet.status == "active"

    client.post(f"{base}/rotate/", {"secret": "ab" * 32, "grace_hours": 2})
    onfleet.refresh_from_db()
    assert onfleet.secret == "ab" * 32
    assert onfleet.previous_secret == payloads.ONFLEET_SECRET

    client.post(f"{base}/delete/")
    assert not Integration.objects.exists()


def test_integration_page_shows_health(client_for, admin_user, onfleet, post_hook):
    body = dumps(payloads.onfleet_task_event())
    post_hook(onfleet, body, **payloads.onfleet_headers(body))
    post_hook(onfleet, body, HTTP_X_ONFLEET_SIGNATURE="00")
    page = client_for(admin_user).get(f"/handoffs/integrations/{onfleet.pk}/").content.decode()
    assert 'data-testid="events-total">1<' in page
    assert "does not match" in page  # the refused request, with its reason


def test_event_browser_filters_and_shows_raw_payload(client_for, admin_user, onfleet, post_hook):
    # A trigger nothing maps (worker triggers now make drivers).
    body = dumps(payloads.onfleet_task_event("smsRecipientResponseMissed"))
    post_hook(onfleet, body, **payloads.onfleet_headers(body))
    event = Event.objects.get()
    client = client_for(admin_user)

    listing = client.get("/handoffs/events/?unmapped=yes").content.decode()
    row = "<code>onfleet.smsRecipientResponseMissed</code>"
    assert row in listing
    assert row not in client.get("/handoffs/events/?unmapped=no").content.decode()

    detail = client.get(f"/handoffs/events/{event.pk}/").content.decode()
    assert "A Swartz" in detail


def test_replay_puts_the_event_back_in_processing(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    from hub import events

    recorded = events.record("generic", "generic.x", "r1")
    events.process(recorded.event.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        client_for(admin_user).post(f"/handoffs/events/{recorded.event.pk}/replay/")
    assert len(callbacks) == 1
    assert Event.objects.get().status == Event.Status.PENDING


def test_event_list_query_count_is_flat(client_for, admin_user, django_assert_max_num_queries):
    from hub import events

    for i in range(40):
        events.record("generic", "generic.x", f"q{i}")
    client = client_for(admin_user)
    with django_assert_max_num_queries(14):
        client.get("/handoffs/events/")


def test_a_pending_events_status_polls_itself(client_for, admin_user):
    from hub import events

    recorded = events.record("generic", "generic.x", "poll-1")
    client = client_for(admin_user)
    page = client.get(f"/handoffs/events/{recorded.event.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page
    events.process(recorded.event.pk)
    fragment = client.get(
        f"/handoffs/events/{recorded.event.pk}/?status=1", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Processed" in fragment
    assert "hx-trigger" not in fragment
