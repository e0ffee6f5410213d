"""Daily rollups: what dashboards read instead of raw deliveries and customers."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from hub.models import Customer, Delivery
from kpis.models import DailyRollup, RollupRun

DONE = [Delivery.Status.SUCCEEDED, Delivery.Status.FAILED]


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def rebuild(start: date, end: date) -> int:
    """Recompute the rollups of [start, end] (local days) in one transaction. Idempotent.

    Returns the number of rollup rows written.
    """
    start_dt, end_dt = _bounds(start, end)
    tz = timezone.get_current_timezone()
    rows: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    deliveries = (
        Delivery.objects.filter(
            completed_at__gte=start_dt, completed_at__lt=end_dt, status__in=DONE
        )
        .annotate(day=TruncDate("completed_at", tzinfo=tz))
        .values("day", "zone_id", "customer__acquisition_campaign_id")
        .annotate(
            n_completed=Count("id"),
            n_on_time=Count("id", filter=Q(on_time=True)),
            n_failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
            n_first_completed=Count("id", filter=Q(is_first_for_customer=True)),
            n_first_on_time=Count("id", filter=Q(is_first_for_customer=True, on_time=True)),
        )
        .order_by()
    )
    for r in deliveries:
        key = (r["day"], r["zone_id"], r["customer__acquisition_campaign_id"])
        for f in ("completed", "on_time", "failed", "first_completed", "first_on_time"):
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
    now = timezone.now()
    with transaction.atomic():
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
    return rebuild(start, timezone.localdate())


def last_updated() -> datetime | None:
    return RollupRun.objects.values_list("finished_at", flat=True).first()
