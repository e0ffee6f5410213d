"""What a rule can see of an event: its payload and the shared facts it concerns (read-only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hub.models import Campaign, Customer, Delivery, Event
from hub.selectors import unique_or_none, zones_by_id

NEW_CUSTOMER_DAYS = 30


def customer_view(customer: Customer | None, now: datetime) -> dict[str, Any] | None:
    if customer is None:
        return None
    return {
        "id": customer.pk,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "crm_id": customer.crm_id,
        "is_new": customer.first_seen_at >= now - timedelta(days=NEW_CUSTOMER_DAYS),
        "first_seen_at": customer.first_seen_at.isoformat(),
        "lifecycle_stage": customer.lifecycle_stage,
        "acquisition_source": customer.acquisition_source,
        "zone": customer.zone.code if customer.zone else "",
        "zone_name": customer.zone.name if customer.zone else "",
        "promo_code": customer.promo_code.code if customer.promo_code else "",
    }


def delivery_view(delivery: Delivery | None) -> dict[str, Any] | None:
    if delivery is None:
        return None
    return {
        "id": delivery.pk,
        "dispatch_id": delivery.dispatch_id,
        "zone": delivery.zone.code if delivery.zone else "",
        "zone_name": delivery.zone.name if delivery.zone else "",
        "status": delivery.status,
        "is_first": delivery.is_first_for_customer,
        "on_time": delivery.on_time,
        "failure_reason": delivery.failure_reason,
        "window_end": delivery.window_end.isoformat() if delivery.window_end else "",
        "promo_code": delivery.promo_code.code if delivery.promo_code else "",
    }


def campaign_view(campaign: Campaign | None) -> dict[str, Any] | None:
    if campaign is None:
        return None
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "channel": campaign.channel,
        "status": campaign.status,
        "zones": [z.code for z in campaign.zones.all()],
        "starts_on": campaign.starts_on.isoformat() if campaign.starts_on else "",
        "budget": str(campaign.budget),
    }


def _facts_for(event: Event) -> tuple[Customer | None, Delivery | None, Campaign | None]:
    payload = event.payload if isinstance(event.payload, dict) else {}
    delivery = customer = campaign = None
    if event.source == "onfleet" and payload.get("taskId"):
        delivery = _delivery_for_task(str(payload["taskId"]))
        customer = delivery.customer if delivery else None
    elif event.source == "hubspot" and event.type.startswith("hubspot.contact."):
        customer = unique_or_none(Customer.objects.filter(crm_id=str(payload.get("objectId"))))
    else:
        if payload.get("delivery_id"):
            delivery = unique_or_none(Delivery.objects.filter(pk=_int(payload["delivery_id"])))
        if payload.get("customer_id"):
            customer = unique_or_none(Customer.objects.filter(pk=_int(payload["customer_id"])))
        elif payload.get("customer_email"):
            email = str(payload["customer_email"]).strip().lower()
            customer = Customer.objects.filter(email=email).first()
        if payload.get("campaign_id"):
            campaign = (
                Campaign.objects.prefetch_related("zones")
                .filter(pk=_int(payload["campaign_id"]))
                .first()
            )
    if campaign is None and customer is not None and customer.acquisition_campaign_id:
        campaign = Campaign.objects.prefetch_related("zones").get(
            pk=customer.acquisition_campaign_id
        )
    return customer, delivery, campaign


def _delivery_for_task(task_id: str) -> Delivery | None:
    """The delivery of a dispatch task, with its customer, promo code and both zones.

    The zones come from the company's zones read once per drain (``zones_by_id``), not from
    joins: a query selecting five models' columns took the ORM about a millisecond of CPU to
    build, on every delivery event with a rule.
    """
    delivery = unique_or_none(
        Delivery.objects.select_related("customer", "promo_code").filter(dispatch_id=task_id)
    )
    if delivery is None:
        return None
    zones = zones_by_id()
    # A zone missing from the map (made since it was read) is loaded when first used instead.
    if delivery.zone_id in zones:
        delivery.zone = zones[delivery.zone_id]
    if delivery.customer is not None and delivery.customer.zone_id in zones:
        delivery.customer.zone = zones[delivery.customer.zone_id]
    return delivery


def _int(value: Any) -> int:
    """An id from a payload; 0 (which matches nothing) when it is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def event_context(event: Event, now: datetime) -> dict[str, Any]:
    """The data a rule's conditions and message templates read."""
    customer, delivery, campaign = _facts_for(event)
    return context_with_facts(event, now, customer, delivery, campaign)


def context_with_facts(
    event: Event,
    now: datetime,
    customer: Customer | None,
    delivery: Delivery | None,
    campaign: Campaign | None,
) -> dict[str, Any]:
    """``event_context`` for facts already at hand (the demo loads them for many events)."""
    return {
        "event": {
            "id": event.pk,
            "type": event.type,
            "source": event.source,
            "external_id": event.external_id,
            "subject": event.subject,
            "received_at": event.received_at.isoformat() if event.received_at else "",
        },
        "payload": event.payload,
        "customer": customer_view(customer, now),
        "delivery": delivery_view(delivery),
        "campaign": campaign_view(campaign),
    }


def previous_context(event: Event) -> dict[str, Any] | None:
    """The payload of the last earlier event about the same subject (for “changed to”)."""
    if not event.subject:
        return None
    previous = (
        Event.objects.filter(
            source=event.source, type=event.type, subject=event.subject, id__lt=event.pk
        )
        .order_by("-id")
        .only("payload")
        .first()
    )
    return {"payload": previous.payload} if previous else None
