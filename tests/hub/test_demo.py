from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max

from hub import demo
from hub.models import (
    Campaign,
    Customer,
    Delivery,
    MarketingSpend,
    Membership,
    Team,
    User,
    Zone,
)


def test_seed_demo_builds_a_believable_company_once(db, capsys):
    call_command("seed_demo", "--deliveries", "2000")

    assert set(Team.objects.values_list("name", flat=True)) == {
        "Marketing",
        "Operations",
        "Customer Support",
        "Tech",
    }
    assert User.objects.count() == 12
    assert Membership.objects.filter(role="admin").count() == 1
    assert Delivery.objects.count() == 2000
    assert Campaign.objects.count() == 7  # five with history, two launches (workflows)
    assert MarketingSpend.objects.exists()

    completed = Delivery.objects.exclude(completed_at=None)
    on_time = completed.filter(on_time=True).count() / completed.count()
    failed = completed.filter(status=Delivery.Status.FAILED).count() / completed.count()
    assert 0.8 < on_time < 0.97
    assert 0.01 < failed < 0.1

    firsts = Delivery.objects.filter(is_first_for_customer=True)
    assert firsts.exists()
    # A customer has at most one first delivery, and it is their earliest.
    assert not firsts.values("customer").annotate(n=Count("id")).filter(n__gt=1).exists()
    first = firsts.select_related("customer").first()
    earliest = Delivery.objects.filter(customer=first.customer).order_by("window_start").first()
    assert earliest.pk == first.pk
    assert Customer.objects.exclude(acquisition_campaign=None).exists()
    assert Customer.objects.exclude(promo_code=None).exists()

    capsys.readouterr()
    call_command("seed_demo", "--deliveries", "2000")
    assert "already loaded" in capsys.readouterr().out
    assert Delivery.objects.count() == 2000
    assert User.objects.count() == 12


def test_seed_demo_reset_rebuilds_at_another_size(db):
    call_command("seed_demo", "--deliveries", "500")
    call_command("seed_demo", "--deliveries", "800", "--reset")
    assert Delivery.objects.count() == 800
    assert User.objects.count() == 12


def test_demo_logins_sign_in(client, db):
    demo.load(deliveries=100)
    email, password, _ = demo.demo_logins()[0]
    assert client.login(username="maya", password=password)
    assert User.objects.get(email=email).is_staff


def _facts() -> list[tuple]:
    return list(
        Delivery.objects.order_by("dispatch_id").values_list(
            "dispatch_id",
            "customer__crm_id",
            "customer__email",
            "customer__acquisition_campaign__external_id",
            "zone__code",
            "window_start",
            "completed_at",
            "status",
            "on_time",
            "is_first_for_customer",
            "promo_code__code",
        )
    )


def test_same_seed_same_company(db, monkeypatch):
    monkeypatch.setattr(demo, "_extensions", [])  # the facts only: the modules' content is slow
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    demo.load(deliveries=300, seed=11, now=now)
    first = _facts()
    demo.reset()
    demo.load(deliveries=300, seed=11, now=now)
    assert _facts() == first
    assert len(first) == 300
    demo.reset()
    demo.load(deliveries=300, seed=12, now=now)
    assert _facts() != first


def _schema(cursor) -> list[tuple]:
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid IN ('hub_delivery'::regclass, 'hub_customer'::regclass)
        UNION ALL
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE tablename IN ('hub_delivery', 'hub_customer')
        ORDER BY 1, 2, 3
        """
    )
    return cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the deferral is Postgres-only")
def test_big_load_leaves_indexes_and_foreign_keys_as_migrated(db, monkeypatch):
    monkeypatch.setattr(demo, "_extensions", [])
    monkeypatch.setattr(demo, "DEFER_INDEXES_FROM", 0)  # this small load takes the big path
    with connection.cursor() as cursor:
        before = _schema(cursor)
        demo.load(deliveries=500)
        assert _schema(cursor) == before
    assert len(before) > 10
    assert Delivery.objects.count() == 500
    # The foreign keys are back and checked: a delivery of a customer that is not there fails.
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(dispatch_id="x-1", customer_id=10**9)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # New rows still get keys after the ones the load chose.
    customer = Customer.objects.create(name="After the demo")
    assert customer.pk > Customer.objects.exclude(pk=customer.pk).aggregate(m=Max("pk"))["m"]


def test_rows_written_as_copy_text_read_back_exactly(db):
    """The loader writes COPY's text format itself on Postgres (and bulk inserts elsewhere):
    whatever the path, every value comes back as it was, NULLs, flags and characters COPY
    treats specially included."""
    zone = Zone.objects.create(code="zx", name="Zone X")
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    seen = datetime(2026, 5, 2, 7, 30, tzinfo=UTC)
    customers = [
        (
            10**6,
            "Tab\there",
            "a\\b@mail.example",
            "+15550000001",
            "c-1",
            "r-1",
            seen,
            "customer",
            "organic",
            None,
            None,
            zone.pk,
        ),
        (
            10**6 + 1,
            "Line\nbreak\r",
            "n@mail.example",
            "+15550000002",
            "c-2",
            "r-2",
            seen,
            "lead",
            "email",
            None,
            None,
            None,
        ),
    ]
    start = datetime(2026, 5, 3, 8, tzinfo=UTC)
    deliveries = [
        ("x-1", 10**6, zone.pk, start, start + demo.TWO_HOURS, start, "succeeded", "", True,
         True, None),
        ("x-2", 10**6 + 1, None, start, start + demo.TWO_HOURS, None, "failed",
         "Gate\\code\tmissing", False, False, None),
        ("x-3", 10**6 + 1, zone.pk, start, start + demo.TWO_HOURS, None, "scheduled", "", None,
         False, None),
    ]  # fmt: skip
    with transaction.atomic():
        assert demo._write(Customer, demo.CUSTOMER_COLUMNS, iter(customers), now) == 2
        assert demo._write(Delivery, demo.DELIVERY_COLUMNS, iter(deliveries), now) == 3
    stored = Customer.objects.order_by("pk").values_list(*demo.CUSTOMER_COLUMNS)
    assert list(stored) == customers
    stored = Delivery.objects.order_by("dispatch_id").values_list(*demo.DELIVERY_COLUMNS)
    assert list(stored) == deliveries
    assert [(d.created_at, d.sync_state) for d in Delivery.objects.all()] == [(now, {})] * 3


def test_messages_the_history_leaves_due_are_sent_while_seeding(transactional_db, mailoutbox):
    """Otherwise the first worker to start sends them: `make run` said it was ready, then
    printed sixty old reminder emails over its own banner (found trying make run)."""
    from handoffs.models import Alert

    call_command("seed_demo", "--deliveries", "300", verbosity=0)

    assert Alert.objects.exists()
    assert not Alert.objects.filter(status=Alert.Status.PENDING).exists()
    assert mailoutbox  # sent by the seeding process itself
