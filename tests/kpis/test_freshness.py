"""Rollups are fresh after any change, whatever day it touches, and safe to rebuild at once."""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from hub.models import Campaign, Customer, Delivery
from kpis import registry, rollups, tasks
from kpis.models import DailyRollup, DirtyDay, RollupRun
from kpis.registry import Filters, Period
from tests import workers


def _deliveries(n: int, start: date, days: int = 30) -> None:
    for i in range(n):
        day = start + timedelta(days=i % days)
        done = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        Delivery.objects.create(
            dispatch_id=f"bulk-{start}-{i}",
            status="succeeded",
            completed_at=done,
            window_start=done - timedelta(hours=1),
            window_end=done + timedelta(hours=1),
        )


def _completed(period: Period, filters: Filters | None = None) -> Decimal:
    return registry.total(registry.daily_inputs(period, filters or Filters()))["completed"]


def _duplicates() -> int:
    return (
        DailyRollup.objects.values("day", "zone", "campaign")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )


@pytest.mark.django_db(transaction=True)
def test_two_rebuilds_at_the_same_moment_count_every_delivery_once():
    start = date(2026, 9, 1)
    _deliveries(60, start)
    period = Period(start, start + timedelta(days=29))
    gate = threading.Barrier(2)
    errors: list[BaseException] = []

    def rebuild() -> None:
        try:
            gate.wait()
            rollups.rebuild(period.start, period.end)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=rebuild) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _duplicates() == 0
    assert _completed(period) == 60


def test_a_change_to_an_old_day_marks_it_dirty_and_the_refresh_rebuilds_it(db):
    old = timezone.localdate() - timedelta(days=40)
    rollups.rebuild(old, timezone.localdate())
    assert not DirtyDay.objects.exists()
    _deliveries(2, old, days=1)
    assert set(DirtyDay.objects.values_list("day", flat=True)) == {old}
    period = Period(old, old)
    assert _completed(period) == 0  # not counted until the refresh

    tasks.refresh_rollups_task()

    assert _completed(period) == 2
    assert not DirtyDay.objects.exists()


def test_a_customer_attributed_to_a_campaign_later_moves_its_deliveries(db):
    old = timezone.localdate() - timedelta(days=20)
    seen = datetime(old.year, old.month, old.day, 8, tzinfo=UTC)
    customer = Customer.objects.create(phone="+100", first_seen_at=seen)
    Delivery.objects.create(
        dispatch_id="late-attr",
        customer=customer,
        status="succeeded",
        completed_at=seen + timedelta(hours=4),
    )
    rollups.refresh_dirty()
    ads = Campaign.objects.create(name="Ads")
    customer.acquisition_campaign = ads
    customer.save()
    tasks.refresh_rollups_task()
    assert _completed(Period(old, old), Filters(campaign=ads)) == 1


def test_deleting_a_delivery_reaches_the_numbers(db):
    old = timezone.localdate() - timedelta(days=15)
    _deliveries(3, old, days=1)
    rollups.refresh_dirty()
    Delivery.objects.filter(dispatch_id__startswith="bulk-").first().delete()
    rollups.refresh_dirty()
    assert _completed(Period(old, old)) == 2


def test_the_stamp_says_when_changes_are_not_counted_yet(client_for, member):
    today = timezone.localdate()
    rollups.rebuild(today.replace(day=1), today)
    page = client_for(member).get("/kpis/").content.decode()
    assert "every change included" in page
    _deliveries(1, today, days=1)
    page = client_for(member).get("/kpis/").content.decode()
    assert "Includes every change made before" in page
    assert "1 day of this period" in page


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_late_event_reaches_the_dashboard_through_the_beat_refresh(celery_worker):
    old = timezone.localdate() - timedelta(days=30)
    rollups.rebuild(old, timezone.localdate())
    _deliveries(3, old, days=1)  # a late event for a month-old day

    tasks.refresh_rollups_task.delay()

    workers.wait_for(lambda: not DirtyDay.objects.exists(), timeout=60)
    assert _completed(Period(old, old)) == 3


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_rebuilding_at_once_count_every_delivery_once(celery_worker, tmp_path):
    start = timezone.localdate() - timedelta(days=59)
    _deliveries(600, start, days=60)
    second = workers.start_worker(tmp_path / "second.log")
    try:
        for _ in range(8):
            tasks.rebuild_rollups_task.delay()
        period = Period(start, timezone.localdate())
        # Every task ran (eight runs logged), and the rows are counted once.
        workers.wait_for(lambda: RollupRun.objects.count() >= 8, timeout=120)
    finally:
        workers.stop_worker(second)
    assert _duplicates() == 0
    assert _completed(period) == 600


def test_imported_crm_history_reaches_the_numbers_at_the_next_refresh(db):
    from handoffs.inbound import imports

    old = timezone.localdate() - timedelta(days=45)
    rollups.rebuild(old, timezone.localdate())
    csv = (
        "Record ID,First Name,Email,Create Date\n"
        f"901,Ann,ann@example.com,{old.isoformat()} 10:00\n"
        f"902,Bob,bob@example.com,{old.isoformat()} 11:00\n"
    )
    imports.run("hubspot_contacts", csv)

    tasks.refresh_rollups_task()

    agg = registry.total(registry.daily_inputs(Period(old, old), Filters()))
    assert agg["leads"] == 2


def test_the_api_says_how_fresh_its_numbers_are(api_for, member):
    today = timezone.localdate()
    rollups.rebuild(today.replace(day=1), today)
    body = api_for(member).get("/api/v1/kpis/?period=month").json()
    assert body["updated_at"] and body["pending_since"] is None
    _deliveries(1, today, days=1)
    body = api_for(member).get("/api/v1/kpis/?period=month").json()
    assert body["pending_since"] is not None


@pytest.mark.django_db(transaction=True)
def test_a_day_marked_twice_in_one_transaction_is_written_once():
    """An Onfleet event that creates a customer and their delivery dirties the same day twice:
    one upsert, not two."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    day = date(2026, 5, 25)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        rollups.mark_dirty({day})
        rollups.mark_dirty({day, None})
        rollups.mark_dirty({day, day + timedelta(days=1)})
    upserts = [q for q in captured.captured_queries if "kpis_dirtyday" in q["sql"]]
    assert len(upserts) == 2  # the day, then only the day after
    assert set(DirtyDay.objects.values_list("day", flat=True)) == {day, day + timedelta(days=1)}


@pytest.mark.django_db(transaction=True)
def test_a_mark_undone_by_a_savepoint_rollback_is_written_again():
    from django.db import transaction

    day = date(2026, 5, 25)

    class Undo(Exception):
        pass

    with transaction.atomic():
        with pytest.raises(Undo), transaction.atomic():
            rollups.mark_dirty({day})
            raise Undo
        rollups.mark_dirty({day})
    assert list(DirtyDay.objects.values_list("day", flat=True)) == [day]

    with transaction.atomic():
        rollups.mark_dirty({day + timedelta(days=1)})
        with pytest.raises(Undo), transaction.atomic():
            rollups.mark_dirty({day + timedelta(days=1)})  # stands: marked outside the savepoint
            rollups.mark_dirty({day + timedelta(days=2)})
            raise Undo
        rollups.mark_dirty({day + timedelta(days=2)})
    assert set(DirtyDay.objects.values_list("day", flat=True)) == {
        day,
        day + timedelta(days=1),
        day + timedelta(days=2),
    }


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_memory_of_its_marks():
    from django.db import transaction

    day = date(2026, 5, 25)
    with pytest.raises(RuntimeError), transaction.atomic():
        rollups.mark_dirty({day})
        raise RuntimeError
    with transaction.atomic():
        rollups.mark_dirty({day})
    assert list(DirtyDay.objects.values_list("day", flat=True)) == [day]


@pytest.mark.django_db(transaction=True)
def test_a_day_refreshed_inside_the_transaction_that_marked_it_is_marked_again():
    from django.db import transaction

    day = date(2026, 5, 25)
    with transaction.atomic():
        rollups.mark_dirty({day})
        rollups.refresh_dirty()
        assert not DirtyDay.objects.exists()
        rollups.mark_dirty({day})
    assert list(DirtyDay.objects.values_list("day", flat=True)) == [day]


@pytest.mark.django_db(transaction=True)
def test_two_writers_marking_the_same_day_do_not_wait_for_each_other(monkeypatch):
    """Worker processes handle events of the same day side by side: the second must not wait
    on the first's mark until the first commits."""
    from django.db import connections, transaction

    day = date(2026, 5, 25)
    lanes = threading.local()
    monkeypatch.setattr(rollups, "_lane", lambda: lanes.value)
    first_marked, second_done = threading.Event(), threading.Event()
    outcome = {}

    def first() -> None:
        lanes.value = 1
        try:
            with transaction.atomic():
                rollups.mark_dirty({day})
                first_marked.set()
                outcome["second_done_while_first_open"] = second_done.wait(timeout=5)
        finally:
            connections.close_all()

    def second() -> None:
        lanes.value = 2
        try:
            first_marked.wait(timeout=5)
            with transaction.atomic():
                rollups.mark_dirty({day})
            second_done.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcome["second_done_while_first_open"]
    assert DirtyDay.objects.filter(day=day).count() == 2
    assert rollups.refresh_dirty() == 1  # one day, however many writers marked it
    assert not DirtyDay.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_lane_marked_again_during_the_rebuild_keeps_the_day_dirty(monkeypatch):
    day = date(2026, 5, 25)
    lane = {"value": 1}
    monkeypatch.setattr(rollups, "_lane", lambda: lane["value"])
    rollups.mark_dirty({day})
    lane["value"] = 2
    rollups.mark_dirty({day})
    real_rebuild = rollups.rebuild

    def rebuild_while_a_new_change_lands(start, end):
        real_rebuild(start, end)
        rollups.mark_dirty({day})  # lane 2 again, after the rebuild read the facts

    monkeypatch.setattr(rollups, "rebuild", rebuild_while_a_new_change_lands)
    assert rollups.refresh_dirty() == 1
    assert list(DirtyDay.objects.values_list("day", "lane")) == [(day, 2)]
