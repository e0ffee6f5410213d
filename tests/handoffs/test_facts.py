"""Provider events become shared facts, idempotently and in any arrival order."""

from datetime import UTC, datetime, timedelta

import pytest

from hub import events, facts
from hub.models import Campaign, Customer, Delivery, Event, PromoCode, Zone
from tests.handoffs import payloads
from tests.handoffs.payloads import HOUR_MS


def deliver(payload: dict) -> Event:
    """Record and process an Onfleet event as the worker would."""
    trigger = payload["triggerName"]
    recorded = events.record(
        "onfleet",
        f"onfleet.{trigger}",
        f"{trigger}:{payload['taskId']}:{payload['time']}",
        payload,
        integration_id=1,
    )
    events.process(recorded.event.pk)
    return Event.objects.get(pk=recorded.event.pk)


def hubspot(*items) -> None:
    for item in payloads.hubspot_events(*items):
        key = (
            f"{item['eventId']}:{item['objectId']}:{item['occurredAt']}:{item.get('propertyName')}"
        )
        recorded = events.record(
            "hubspot", f"hubspot.{item['subscriptionType']}", key, item, integration_id=1
        )
        events.process(recorded.event.pk)


@pytest.fixture
def downtown(db):
    return Zone.objects.create(code="downtown", name="Downtown", dispatch_team_id="team_downtown")


def test_completed_task_becomes_an_on_time_first_delivery(downtown):
    t = 1779730000000
    deliver(payloads.onfleet_task_event(time_ms=t, window=(t - HOUR_MS, t + HOUR_MS)))

    delivery = Delivery.objects.get()
    assert delivery.dispatch_id == "11z1BFspwhBYDvIH_FrJfWMm"
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.on_time is True
    assert delivery.zone == downtown
    assert delivery.completed_at == datetime.fromtimestamp(t / 1000, tz=UTC)
    assert delivery.is_first_for_customer is True
    assert delivery.customer.phone == "+14155550132"


def test_late_completion_is_not_on_time(downtown):
    t = 1779730000000
    deliver(payloads.onfleet_task_event(time_ms=t, window=(t - 3 * HOUR_MS, t - HOUR_MS)))
    assert Delivery.objects.get().on_time is False


def test_failed_task_keeps_its_reason(downtown):
    payload = payloads.onfleet_task_event(
        "taskFailed", success=False, failure_reason="NOT_AVAILABLE"
    )
    payload["data"]["task"]["completionDetails"]["failureNotes"] = "Nobody home"
    deliver(payload)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.failure_reason == "NOT_AVAILABLE — Nobody home"
    assert delivery.on_time is False


def test_an_older_event_arriving_late_does_not_undo_completion(downtown):
    t = 1779730000000
    deliver(payloads.onfleet_task_event("taskCompleted", time_ms=t))
    deliver(payloads.onfleet_task_event("taskStarted", time_ms=t - HOUR_MS, state=2, success=None))
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.completed_at is not None


def test_created_then_completed_in_either_order_ends_the_same(downtown):
    t = 1779730000000
    created = payloads.onfleet_task_event("taskCreated", time_ms=t - HOUR_MS, state=0, success=None)
    completed = payloads.onfleet_task_event("taskCompleted", time_ms=t)
    deliver(completed)
    deliver(created)
    a = Delivery.objects.values("status", "on_time", "completed_at", "window_end").get()
    Delivery.objects.all().delete()
    Event.objects.all().delete()
    deliver(created)
    deliver(completed)
    b = Delivery.objects.values("status", "on_time", "completed_at", "window_end").get()
    assert a == b


def test_processing_the_same_event_twice_changes_nothing_more(downtown):
    event = deliver(payloads.onfleet_task_event())
    before = Delivery.objects.values().get()
    events.replay(event)
    events.process(event.pk)
    after = Delivery.objects.values().get()
    before.pop("updated_at"), after.pop("updated_at")
    assert before == after


def test_first_delivery_moves_to_an_earlier_task_that_arrives_later(downtown):
    t = 1779730000000
    deliver(
        payloads.onfleet_task_event(task_id="second", time_ms=t, window=(t - HOUR_MS, t + HOUR_MS))
    )
    deliver(
        payloads.onfleet_task_event(
            task_id="first", time_ms=t - 48 * HOUR_MS, window=(t - 50 * HOUR_MS, t - 47 * HOUR_MS)
        )
    )
    firsts = dict(Delivery.objects.values_list("dispatch_id", "is_first_for_customer"))
    assert firsts == {"first": True, "second": False}


def test_zone_from_task_metadata_then_team_then_postal_code(db):
    north = Zone.objects.create(code="northgate", name="Northgate", postal_codes="941, 95")
    river = Zone.objects.create(code="riverside", name="Riverside", dispatch_team_id="team_river")
    assert facts.zone_for_dispatch(zone_code="NORTHGATE") == north
    assert facts.zone_for_dispatch(team_id="team_river", postal_code="94107") == river
    assert facts.zone_for_dispatch(postal_code="94107") == north
    assert facts.zone_for_dispatch(postal_code="10001") is None


def test_promo_code_on_task_metadata_is_linked(downtown):
    PromoCode.objects.create(code="NORTH20")
    deliver(
        payloads.onfleet_task_event(
            metadata=[{"name": "promo_code", "type": "string", "value": "north20"}]
        )
    )
    assert Delivery.objects.get().promo_code.code == "NORTH20"


def test_hubspot_contact_is_created_and_updated(db):
    hubspot(
        {"subscriptionType": "contact.creation"},
        {"propertyName": "email", "propertyValue": " Ana@Example.COM "},
        {"propertyName": "firstname", "propertyValue": "Ana"},
        {"propertyName": "lastname", "propertyValue": "Torres"},
        {"propertyName": "lifecyclestage", "propertyValue": "customer"},
        {"propertyName": "hs_analytics_source", "propertyValue": "PAID_SEARCH"},
    )
    customer = Customer.objects.get()
    assert customer.crm_id == "123"
    assert customer.email == "ana@example.com"
    assert customer.name == "Ana Torres"
    assert customer.lifecycle_stage == "customer"
    assert customer.acquisition_source == "PAID_SEARCH"


def test_an_older_crm_value_arriving_late_is_ignored(db):
    hubspot({"propertyName": "lifecyclestage", "propertyValue": "customer", "occurredAt": 2000})
    hubspot(
        {
            "propertyName": "lifecyclestage",
            "propertyValue": "lead",
            "occurredAt": 1000,
            "eventId": 9,
        }
    )
    assert Customer.objects.get().lifecycle_stage == "customer"


def test_crm_and_dispatch_customer_are_one_when_phone_matches(downtown):
    deliver(payloads.onfleet_task_event(recipient_phone="415-555-0132", recipient_id="rcp_1"))
    assert Customer.objects.count() == 1
    hubspot({"propertyName": "phone", "propertyValue": "(415) 555 0132"})

    customer = Customer.objects.get()
    assert customer.crm_id == "123"
    assert customer.dispatch_id == "rcp_1"
    assert customer.deliveries.count() == 1


def test_crm_customer_first_then_dispatch_finds_it_by_email(downtown):
    hubspot({"propertyName": "email", "propertyValue": "ana@example.com"})
    deliver(
        payloads.onfleet_task_event(
            recipient_phone="",
            recipient_id="rcp_2",
            metadata=[{"name": "email", "type": "string", "value": "ANA@example.com"}],
        )
    )
    customer = Customer.objects.get()
    assert customer.crm_id == "123"
    assert customer.deliveries.count() == 1


def test_two_dispatch_customers_with_one_email_merge_into_the_crm_one(downtown):
    facts.customer_from_dispatch(
        dispatch_id="a",
        name="A",
        phone="+15550001111",
        email="",
        seen_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    hubspot({"propertyName": "phone", "propertyValue": "+1 555 000 1111"})
    assert Customer.objects.count() == 1
    assert Customer.objects.get().first_seen_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_the_dispatch_id_wins_over_an_older_customer_with_the_same_phone(db):
    seen = datetime(2026, 1, 1, tzinfo=UTC)
    older = facts.customer_from_dispatch(
        dispatch_id="", name="Older", phone="+15550002222", email="", seen_at=seen
    )
    ours = facts.customer_from_dispatch(
        dispatch_id="rcp_9", name="Ours", phone="", email="", seen_at=seen + timedelta(days=1)
    )
    found = facts.customer_from_dispatch(
        dispatch_id="rcp_9", name="Ours", phone="+15550002222", email="", seen_at=seen
    )
    assert found.pk == ours.pk != older.pk
    again = facts.customer_from_dispatch(
        dispatch_id="rcp_new", name="", phone="+15550002222", email="", seen_at=seen
    )
    assert again.pk == older.pk  # no customer has that dispatch id: the phone finds the oldest
    assert Customer.objects.get(pk=older.pk).dispatch_id == "rcp_new"


def test_deal_events_are_kept_for_rules_without_facts(db):
    hubspot(
        {
            "subscriptionType": "deal.propertyChange",
            "propertyName": "dealstage",
            "propertyValue": "closedwon",
        }
    )
    event = Event.objects.get()
    assert event.status == Event.Status.PROCESSED
    assert event.unmapped is False
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("+1 (415) 555-0132", "+14155550132"),
        ("0049 30 1234567", "+49301234567"),
        ("12", ""),
        ("", ""),
    ],
)
def test_phone_normalisation(raw, normalised):
    assert facts.normalise_phone(raw) == normalised


def test_a_campaign_code_on_an_order_links_the_customer_to_the_campaign(downtown):
    campaign = Campaign.objects.create(name="Northgate launch")
    PromoCode.objects.create(code="NORTH20", campaign=campaign)
    deliver(
        payloads.onfleet_task_event(
            recipient_id="rcp_9",
            metadata=[{"name": "promo_code", "type": "string", "value": "north20"}],
        )
    )
    customer = Customer.objects.get()
    assert customer.promo_code.code == "NORTH20"
    assert customer.acquisition_campaign == campaign


def test_a_campaign_code_at_signup_links_the_crm_contact_unless_it_names_a_campaign(db):
    campaign = Campaign.objects.create(name="Northgate launch")
    PromoCode.objects.create(code="NORTH20", campaign=campaign)
    hubspot({"propertyName": "promo_code", "propertyValue": "north20"})
    assert Customer.objects.get().acquisition_campaign == campaign
