"""An admin connects Onfleet and HubSpot in the browser; signed requests become facts."""

import pytest
import requests

from handoffs.models import Integration
from hub.models import Customer, Delivery, Event, Zone
from tests import workers
from tests.browser.test_signin import sign_in
from tests.handoffs import payloads
from tests.handoffs.payloads import dumps

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def add_integration(page, kind_label: str, name: str, secret: str) -> str:
    page.goto("/handoffs/integrations/")
    page.get_by_label("Provider").select_option(label=kind_label)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Signing secret").fill(secret)
    page.get_by_role("button", name="Create and show setup steps").click()
    page.get_by_text("Setup steps for").wait_for()
    return page.get_by_test_id("webhook-url").input_value()


def test_admin_connects_onfleet_and_hubspot(page, admin_user, celery_worker, live_server):
    Zone.objects.create(code="downtown", name="Downtown", dispatch_team_id="team_downtown")
    sign_in(page, admin_user.email)
    page.wait_for_url("**/")

    onfleet_url = add_integration(page, "Onfleet", "Onfleet prod", payloads.ONFLEET_SECRET)
    assert onfleet_url.startswith(live_server.url)
    assert page.get_by_text("taskCompleted").first.is_visible()

    # Onfleet's URL check, then a signed task event sent five times, then a forgery.
    check = requests.get(onfleet_url, params={"check": "hello-onfleet"}, timeout=10)
    assert (check.status_code, check.text) == (200, "hello-onfleet")
    body = dumps(payloads.onfleet_task_event(task_id="browser-task"))
    signature = payloads.onfleet_headers(body)["HTTP_X_ONFLEET_SIGNATURE"]
    for _ in range(5):
        response = requests.post(
            onfleet_url,
            data=body,
            headers={"Content-Type": "application/json", "X-Onfleet-Signature": signature},
            timeout=10,
        )
        assert response.status_code == 200
    forged = requests.post(
        onfleet_url,
        data=body.replace(b"true", b"false"),
        headers={"Content-Type": "application/json", "X-Onfleet-Signature": signature},
        timeout=10,
    )
    assert forged.status_code == 401

    delivery = workers.wait_for(lambda: Delivery.objects.filter(dispatch_id="browser-task").first())
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert Event.objects.count() == 1

    hubspot_url = add_integration(page, "HubSpot", "HubSpot CRM", payloads.HUBSPOT_SECRET)
    contact = dumps(
        payloads.hubspot_events(
            {"subscriptionType": "contact.creation", "objectId": 4242},
            {"objectId": 4242, "propertyName": "email", "propertyValue": "new@lead.example"},
        )
    )
    headers = {
        key.removeprefix("HTTP_").replace("_", "-"): value
        for key, value in payloads.hubspot_v3_headers(contact, hubspot_url).items()
    }
    response = requests.post(
        hubspot_url,
        data=contact,
        headers={"Content-Type": "application/json", **headers},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    workers.wait_for(
        lambda: Customer.objects.filter(crm_id="4242", email="new@lead.example").exists()
    )

    onfleet = Integration.objects.get(kind="onfleet")
    page.goto(f"/handoffs/integrations/{onfleet.pk}/")
    assert page.get_by_test_id("events-total").inner_text() == "1"
    assert page.get_by_text("does not match").first.is_visible()
    assert page.console_errors == []
