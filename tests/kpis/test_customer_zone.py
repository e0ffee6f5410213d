"""Customers from webhooks and imports get a zone: from their postal code or their deliveries,
so leads by zone count real data."""

from datetime import UTC, datetime

import pytest

from hub import facts
from hub.models import Customer, Zone
from kpis import registry, rollups
from kpis.registry import Filters, Period

AT = datetime(2026, 11, 3, 9, tzinfo=UTC)


@pytest.fixture
def riverside(db):
    return Zone.objects.create(code="riverside", name="Riverside", postal_codes="941, 9402")


def test_a_crm_contact_with_a_postal_code_gets_its_zone(riverside):
    result = facts.customer_from_crm(
        crm_id="c1", at_ms=int(AT.timestamp() * 1000), values={"postal_code": "94107"}
    )
    assert result.customer.zone == riverside


def test_a_dispatch_customer_takes_the_zone_of_their_delivery(riverside):
    customer = facts.customer_from_dispatch(
        dispatch_id="r1", name="Ann", phone="+14155550101", email="", seen_at=AT
    )
    assert customer.zone is None
    facts.delivery_from_dispatch(
        facts.DeliveryFacts(
            dispatch_id="t1",
            at_ms=int(AT.timestamp() * 1000),
            status="succeeded",
            completed_at=AT,
            zone=riverside,
            customer=customer,
        )
    )
    customer.refresh_from_db()
    assert customer.zone == riverside

    customer.crm_id = "lead-1"  # and the CRM knows them: a lead of Riverside
    customer.save()
    rollups.refresh_dirty()
    day = Period(AT.date(), AT.date())
    leads = registry.total(registry.daily_inputs(day, Filters(zone=riverside)))["leads"]
    assert leads == 1


def test_a_customer_keeps_a_zone_they_already_have(riverside):
    north = Zone.objects.create(code="north", name="North")
    customer = Customer.objects.create(phone="+1", zone=north, first_seen_at=AT)
    facts.zone_from_deliveries(customer)
    assert customer.zone == north


@pytest.mark.django_db(transaction=True)
def test_two_tasks_for_the_same_phone_arriving_together_make_one_customer():
    import threading

    from django.db import connection, transaction

    gate = threading.Barrier(2)
    errors: list[BaseException] = []

    def arrive(dispatch_id: str) -> None:
        try:
            with transaction.atomic():
                gate.wait()
                facts.customer_from_dispatch(
                    dispatch_id=dispatch_id,
                    name="Ann",
                    phone="+1 415 555 0101",
                    email="",
                    seen_at=AT,
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=arrive, args=(r,)) for r in ("recipient-1", "recipient-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Customer.objects.count() == 1
