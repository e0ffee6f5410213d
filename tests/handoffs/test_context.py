"""What a rule sees of a dispatch event: the delivery and customer it concerns, with zones."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from handoffs.context import event_context
from hub import events
from hub.models import Customer, Delivery, Event, PromoCode, Zone


def _task_event(task_id: str) -> Event:
    return events.record(
        "onfleet", "onfleet.taskCompleted", f"ctx:{task_id}", {"taskId": task_id}
    ).event


def test_a_dispatch_event_shows_the_delivery_and_customer_with_their_zones(db):
    downtown = Zone.objects.create(code="downtown", name="Downtown")
    northgate = Zone.objects.create(code="northgate", name="Northgate")
    now = timezone.now()
    promo = PromoCode.objects.create(code="SPRING10")
    customer = Customer.objects.create(
        name="Ana", phone="+14155550100", first_seen_at=now - timedelta(days=3), zone=northgate
    )
    Delivery.objects.create(
        dispatch_id="task-1",
        customer=customer,
        zone=downtown,
        promo_code=promo,
        status=Delivery.Status.SUCCEEDED,
        window_end=now,
    )
    event = _task_event("task-1")

    ctx = event_context(event, now)

    assert ctx["delivery"]["zone"] == "downtown"
    assert ctx["delivery"]["zone_name"] == "Downtown"
    assert ctx["delivery"]["promo_code"] == "SPRING10"
    assert ctx["customer"]["zone"] == "northgate"
    assert ctx["customer"]["zone_name"] == "Northgate"
    assert ctx["customer"]["is_new"] is True


def test_within_a_drain_the_zones_are_read_once_for_every_event(db):
    downtown = Zone.objects.create(code="downtown", name="Downtown")
    for n in range(3):
        Delivery.objects.create(dispatch_id=f"task-{n}", zone=downtown)
    recorded = [_task_event(f"task-{n}") for n in range(3)]
    now = timezone.now()
    with events.batch():
        event_context(recorded[0], now)  # reads the zones
        with CaptureQueriesContext(connection) as captured:
            contexts = [event_context(event, now) for event in recorded[1:]]
    assert [ctx["delivery"]["zone"] for ctx in contexts] == ["downtown", "downtown"]
    assert len(captured) == 2, [q["sql"] for q in captured.captured_queries]  # a delivery each


def test_a_zone_made_after_the_zones_were_read_is_still_shown(db):
    Zone.objects.create(code="downtown", name="Downtown")
    now = timezone.now()
    with events.batch():
        event_context(_task_event("none-yet"), now)  # the zones, read before the new one
        riverside = Zone.objects.create(code="riverside", name="Riverside")
        Delivery.objects.create(dispatch_id="task-r", zone=riverside)
        ctx = event_context(_task_event("task-r"), now)
    assert ctx["delivery"]["zone"] == "riverside"


def test_a_dry_run_over_many_dispatch_events_reads_the_zones_once(db, admin_user, ops):
    """A rule's dry run builds the context of every event of the last 30 days in one request:
    the zones, shared within a drain, are shared across its events too, not read per event."""
    from handoffs import services

    downtown = Zone.objects.create(code="downtown", name="Downtown")
    for n in range(4):
        Delivery.objects.create(dispatch_id=f"task-d{n}", zone=downtown)
        _task_event(f"task-d{n}")
    rule = services.rule_save(
        actor=admin_user,
        data=services.RuleInput(
            name="Downtown tasks",
            trigger="onfleet.taskCompleted",
            teams=[ops],
            owner_team=ops,
            title_template="{{ delivery.zone }}",
            conditions={
                "match": "all",
                "conditions": [{"field": "delivery.zone", "op": "eq", "value": "downtown"}],
            },
        ),
    )
    with CaptureQueriesContext(connection) as captured:
        result = services.rule_dry_run(rule)
    assert result.matched == 4
    zone_reads = [q["sql"] for q in captured.captured_queries if 'FROM "hub_zone"' in q["sql"]]
    assert len(zone_reads) <= 1, zone_reads
