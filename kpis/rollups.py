"""Daily rollups: what dashboards read instead of raw deliveries and customers.

On time, as every KPI, breakdown and export counts it: a delivery *completed* in the period
(delivered or failed) with a promised window is on time when it was delivered no later than
the window's end and — unless ``KPI_EARLY_COUNTS_AS_ON_TIME`` (default on) — no earlier than its
start. A failed delivery is never on time. A delivery without a promised window end is neither:
it is left out of the on-time rate and counted on its own (``no_window``).

Freshness: every change to a delivery or a customer marks its local days dirty in the same
transaction (``kpis.signals``); the beat refresh rebuilds the dirty days, whatever their age.
"""

from __future__ import annotations

import os
import threading
import zlib
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from hub.models import Customer, Delivery
from kpis import cache as kpi_cache
from kpis.models import DailyRollup, DirtyDay, RollupRun

DONE = [Delivery.Status.SUCCEEDED, Delivery.Status.FAILED]
# One lock for every rollup write: rebuilds of overlapping days never interleave.
LOCK_KEY = zlib.crc32(b"kpis.rollups")


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def early_counts_as_on_time() -> bool:
    return bool(getattr(settings, "KPI_EARLY_COUNTS_AS_ON_TIME", True))


def on_time_q() -> Q:
    """Delivered within the promised window (the company's rule for early deliveries)."""
    q = Q(status=Delivery.Status.SUCCEEDED, window_end__isnull=False) & Q(
        completed_at__lte=F("window_end")
    )
    if not early_counts_as_on_time():
        q &= Q(window_start__isnull=True) | Q(completed_at__gte=F("window_start"))
    return q


NO_WINDOW = Q(window_end__isnull=True)


def _lock() -> None:
    """Serialise rollup writes across processes (Postgres; SQLite has one writer anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _counts(start: date, end: date) -> dict[tuple, dict[str, int]]:
    start_dt, end_dt = _bounds(start, end)
    tz = timezone.get_current_timezone()
    rows: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    first = Q(is_first_for_customer=True)
    deliveries = (
        Delivery.objects.filter(
            completed_at__gte=start_dt, completed_at__lt=end_dt, status__in=DONE
        )
        .annotate(day=TruncDate("completed_at", tzinfo=tz))
        .values("day", "zone_id", "customer__acquisition_campaign_id")
        .annotate(
            n_completed=Count("id"),
            n_on_time=Count("id", filter=on_time_q()),
            n_failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
            n_no_window=Count("id", filter=NO_WINDOW),
            n_first_completed=Count("id", filter=first),
            n_first_on_time=Count("id", filter=first & on_time_q()),
            n_first_no_window=Count("id", filter=first & NO_WINDOW),
        )
        .order_by()
    )
    fields = (
        "completed",
        "on_time",
        "failed",
        "no_window",
        "first_completed",
        "first_on_time",
        "first_no_window",
    )
    for r in deliveries:
        key = (r["day"], r["zone_id"], r["customer__acquisition_campaign_id"])
        for f in fields:
            rows[key][f] += r[f"n_{f}"]
    customers = (
        Customer.objects.filter(first_seen_at__gte=start_dt, first_seen_at__lt=end_dt)
        .annotate(day=TruncDate("first_seen_at", tzinfo=tz))
        .values("day", "zone_id", "acquisition_campaign_id")
        .annotate(n_new=Count("id"), n_leads=Count("id", filter=Q(crm_id__isnull=False)))
        .order_by()
    )
    for r in customers:
        key = (r["day"], r["zone_id"], r["acquisition_campaign_id"])
        rows[key]["new_customers"] += r["n_new"]
        rows[key]["leads"] += r["n_leads"]
    return rows


def rebuild(start: date, end: date) -> int:
    """Recompute the rollups of [start, end] (local days) in one transaction. Idempotent and
    safe to run concurrently: writers take one lock and read the facts only once they hold it.

    Returns the number of rollup rows written.
    """
    now = timezone.now()
    with transaction.atomic():
        _lock()
        rows = _counts(start, end)
        DailyRollup.objects.filter(day__gte=start, day__lte=end).delete()
        DailyRollup.objects.bulk_create(
            [
                DailyRollup(day=day, zone_id=zone, campaign_id=campaign, updated_at=now, **counts)
                for (day, zone, campaign), counts in rows.items()
            ],
            batch_size=2000,
        )
        RollupRun.objects.create(first_day=start, last_day=end, rows=len(rows), finished_at=now)
        RollupRun.objects.filter(finished_at__lt=now - timedelta(days=30)).delete()
        kpi_cache.bump()
    return len(rows)


def rebuild_all() -> int:
    """Rebuild every day that has data."""
    first = [
        d
        for d in (
            Delivery.objects.aggregate(m=Min("completed_at"))["m"],
            Customer.objects.aggregate(m=Min("first_seen_at"))["m"],
        )
        if d is not None
    ]
    if not first:
        DailyRollup.objects.all().delete()
        return 0
    start = timezone.localtime(min(first)).date()
    written = rebuild(start, timezone.localdate())
    DirtyDay.objects.filter(marked_at__lte=timezone.now()).delete()
    _forget_marks()
    return written


# --- Dirty days ---------------------------------------------------------------------------------


def mark_dirty(days: set[date | None]) -> None:
    """Mark local days whose facts changed (same transaction as the change). One query, and
    none for a day this transaction has marked already (an event that writes a customer and
    their delivery marks the day once)."""
    standing, here = _marked_in_transaction()
    wanted = sorted(d for d in days if d is not None and d not in standing)
    if not wanted:
        return
    now = timezone.now()
    lane = _lane()
    DirtyDay.objects.bulk_create(
        [DirtyDay(day=d, lane=lane, marked_at=now) for d in wanted],
        update_conflicts=True,
        unique_fields=["day", "lane"],
        update_fields=["marked_at"],
    )
    if connection.in_atomic_block:
        if here is None:
            here = _Marked()
            transaction.on_commit(here)
        here.days.update(wanted)


def _lane() -> int:
    """This process's and thread's row of a day's marks: writers side by side (worker
    processes, web threads) each upsert a row of their own instead of queueing on one."""
    return (os.getpid() * 7919 + threading.get_ident()) % DirtyDay.LANES


class _Marked:
    """The days marked dirty in one transaction (or savepoint), carried by a commit hook that
    does nothing: Django drops the hook when that transaction or savepoint rolls back, and
    the marks with it, so the days it still carries are marks that stand."""

    def __init__(self) -> None:
        self.days: set[date] = set()

    def __call__(self) -> None:
        return None


def _forget_marks() -> None:
    """Marks were deleted (a refresh): the current transaction marks every day again."""
    for _, hook in kpi_cache.commit_hooks():
        if isinstance(hook, _Marked):
            hook.days.clear()


def _marked_in_transaction() -> tuple[set[date], _Marked | None]:
    """The days marked in the current transaction that no rollback can undo short of the
    current savepoint's, and the hook to note more marks on at this savepoint level."""
    if not connection.in_atomic_block:
        return set(), None
    current = set(connection.savepoint_ids)
    standing: set[date] = set()
    here = None
    for savepoints, hook in kpi_cache.commit_hooks():
        if isinstance(hook, _Marked) and savepoints <= current:
            standing |= hook.days
            if savepoints == current:
                here = hook
    return standing, here


def local_day(moment: datetime | None) -> date | None:
    return None if moment is None else timezone.localtime(moment).date()


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for day in sorted(days):
        if out and day == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def mark_recent_customers(since: datetime) -> None:
    """Mark the first-seen days of customers changed since ``since``: imports set first-seen
    dates in bulk, past the signals (``save()`` bumps ``updated_at`` first)."""
    tz = timezone.get_current_timezone()
    days = set(
        Customer.objects.filter(updated_at__gte=since)
        .annotate(day=TruncDate("first_seen_at", tzinfo=tz))
        .values_list("day", flat=True)
        .distinct()
    )
    mark_dirty(days)


def refresh_dirty(limit: int = 400) -> int:
    """Rebuild the days marked dirty (oldest mark first); a day marked again while it was
    being rebuilt stays dirty for the next run. Idempotent. Returns the days rebuilt."""
    days = list(
        DirtyDay.objects.values_list("day", flat=True)
        .annotate(first=Min("marked_at"))
        .order_by("first")[:limit]
    )
    if not days:
        return 0
    marks = list(DirtyDay.objects.filter(day__in=days).values_list("day", "lane", "marked_at"))
    for start, end in _ranges(days):
        rebuild(start, end)
    for day, lane, marked_at in marks:
        DirtyDay.objects.filter(day=day, lane=lane, marked_at=marked_at).delete()
    _forget_marks()
    return len(days)


def last_updated() -> datetime | None:
    return RollupRun.objects.values_list("finished_at", flat=True).first()


def freshness(start: date, end: date) -> dict:
    """How fresh the numbers of [start, end] are: when the rollups last ran and, if changes to
    some of its days are not counted yet, the earliest such change."""
    pending = DirtyDay.objects.filter(day__gte=start, day__lte=end).aggregate(
        first=Min("marked_at"), n=Count("day", distinct=True)
    )
    return {
        "updated": last_updated(),
        "pending_since": pending["first"],
        "pending_days": pending["n"],
    }
