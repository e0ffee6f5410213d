"""Reads of integrations and the event log, aware of who is asking."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404

from handoffs.models import ImportJob, Integration, WebhookRejection
from hub import roles
from hub.models import Event, User


def _require_admin(user: User) -> None:
    if not roles.is_admin(user):
        raise PermissionDenied


def integration_list(user: User) -> QuerySet[Integration]:
    _require_admin(user)
    return Integration.objects.order_by("name")


def get_integration_for_user(user: User, pk: int) -> Integration:
    _require_admin(user)
    integration = Integration.objects.filter(pk=pk).first()
    if integration is None:
        raise Http404("No such integration.")
    return integration


def integration_for_token(token: str) -> Integration | None:
    return Integration.objects.filter(token=token).first()


@dataclass(frozen=True)
class IntegrationStats:
    last_event_at: datetime | None
    per_day: list[tuple[date, int]]
    events_total: int
    signature_failures_7d: int
    rejections_7d: int
    unmapped: int
    pending: int
    failed: int
    lag_median_s: float | None
    lag_p95_s: float | None


def integration_stats(integration: Integration, now: datetime, days: int = 14) -> IntegrationStats:
    """Health of one integration: traffic per day, rejections, unmapped events, lag."""
    start = (now - timedelta(days=days - 1)).date()
    qs = Event.objects.filter(integration_id=integration.pk)
    counts = dict(
        qs.filter(received_at__date__gte=start)
        .annotate(day=TruncDate("received_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    per_day = [
        (start + timedelta(days=i), counts.get(start + timedelta(days=i), 0)) for i in range(days)
    ]
    week_ago = now - timedelta(days=7)
    rejections = WebhookRejection.objects.filter(integration=integration, at__gte=week_ago)
    totals = qs.aggregate(
        total=Count("id"),
        unmapped=Count("id", filter=Q(unmapped=True)),
        pending=Count("id", filter=Q(status__in=["pending", "processing"])),
        failed=Count("id", filter=Q(status="failed")),
    )
    lags = [
        (processed - received).total_seconds()
        for received, processed in qs.filter(
            processed_at__isnull=False, received_at__gte=now - timedelta(days=1)
        )
        .order_by("-id")
        .values_list("received_at", "processed_at")[:1000]
    ]
    p95 = None
    if len(lags) >= 2:
        p95 = statistics.quantiles(lags, n=20, method="inclusive")[-1]
    elif lags:
        p95 = lags[0]
    return IntegrationStats(
        last_event_at=integration.last_event_at,
        per_day=per_day,
        events_total=totals["total"],
        signature_failures_7d=rejections.filter(status_code=401).count(),
        rejections_7d=rejections.count(),
        unmapped=totals["unmapped"],
        pending=totals["pending"],
        failed=totals["failed"],
        lag_median_s=statistics.median(lags) if lags else None,
        lag_p95_s=p95,
    )


def recent_rejections(integration: Integration, limit: int = 10) -> QuerySet[WebhookRejection]:
    return integration.rejections.all()[:limit]


@dataclass(frozen=True)
class EventFilters:
    integration: int | None = None
    source: str = ""
    type: str = ""
    status: str = ""
    unmapped: bool | None = None
    q: str = ""


def event_browse(user: User, filters: EventFilters) -> QuerySet[Event]:
    """The event log for admins, newest first, filtered."""
    _require_admin(user)
    qs = Event.objects.order_by("-id")
    if filters.integration:
        qs = qs.filter(integration_id=filters.integration)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.unmapped is not None:
        qs = qs.filter(unmapped=filters.unmapped)
    if filters.q:
        qs = qs.filter(external_id__icontains=filters.q)
    return qs.defer("payload")


def get_event_for_user(user: User, pk: int) -> Event:
    _require_admin(user)
    event = Event.objects.filter(pk=pk).first()
    if event is None:
        raise Http404("No such event.")
    return event


def event_types() -> list[str]:
    return list(Event.objects.order_by("type").values_list("type", flat=True).distinct()[:200])


def import_list(user: User) -> QuerySet[ImportJob]:
    _require_admin(user)
    return ImportJob.objects.defer("content").select_related("created_by")[:20]


def get_import_for_user(user: User, pk: int) -> ImportJob:
    _require_admin(user)
    job = ImportJob.objects.defer("content").filter(pk=pk).first()
    if job is None:
        raise Http404("No such import.")
    return job
