"""Reads of the hub, aware of who is asking."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from hub import roles
from hub.models import (
    AuditLog,
    Campaign,
    Customer,
    Delivery,
    Driver,
    Event,
    Incident,
    Invitation,
    Membership,
    Notification,
    PromoCode,
    Team,
    User,
    Zone,
)

_Row = TypeVar("_Row")


def unique_or_none(queryset: QuerySet[Any, _Row]) -> _Row | None:
    """The one row a lookup on a unique key names, or None. Unlike ``first()``, no ORDER BY
    (the model's default ordering, or the primary key): cheaper to build and to run, which
    counts on the paths every event takes."""
    try:
        return queryset.get()
    except queryset.model.DoesNotExist:
        return None


def zones_by_id() -> dict[int, Zone]:
    """Every zone, by id. Zones are configuration: within an event drain they are read once
    and shared by its events (``hub.events.memo``); elsewhere read on each call. The zones are
    shared: read them, never change them."""
    from hub import events

    return events.memo("hub.zones-by-id", lambda: {zone.pk: zone for zone in Zone.objects.all()})


def team_list() -> QuerySet[Team]:
    return Team.objects.annotate(member_count=Count("memberships")).order_by("name")


def get_team_for_user(user: User, slug: str, *, write: bool = False) -> Team:
    """The team, for any member of the company; ``write`` requires an admin."""
    if not roles.is_member(user):
        raise PermissionDenied
    if write and not roles.is_admin(user):
        raise PermissionDenied
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise Http404("No such team.")
    return team


def team_memberships(team: Team) -> QuerySet[Membership]:
    return team.memberships.select_related("user").order_by("user__first_name", "user__email")


def people_list() -> QuerySet[User]:
    return User.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("team"))
    ).order_by("-is_active", "first_name", "email")


def get_person_for_admin(user: User, pk: int) -> User:
    if not roles.is_admin(user):
        raise PermissionDenied
    person = User.objects.filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    return person


def pending_invitations() -> QuerySet[Invitation]:
    return Invitation.objects.filter(accepted_at__isnull=True).select_related("team", "invited_by")


def user_teams(user: User) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user).order_by("name")


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def event_list(
    *,
    source: str | None = None,
    type: str | None = None,
    status: str | None = None,
    integration_id: int | None = None,
    unmapped: bool | None = None,
) -> QuerySet[Event]:
    qs = Event.objects.all().order_by("-id")
    if integration_id is not None:
        qs = qs.filter(integration_id=integration_id)
    if unmapped is not None:
        qs = qs.filter(unmapped=unmapped)
    if source:
        qs = qs.filter(source=source)
    if type:
        qs = qs.filter(type=type)
    if status:
        qs = qs.filter(status=status)
    return qs


def audit_list(*, action: str | None = None, actor_id: int | None = None) -> QuerySet[AuditLog]:
    qs = AuditLog.objects.select_related("actor").order_by("-at", "-id")
    if action:
        qs = qs.filter(action=action)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    return qs


def audit_actions() -> list[str]:
    return list(AuditLog.objects.order_by("action").values_list("action", flat=True).distinct())


# --- Drivers --------------------------------------------------------------------------------


def can_edit_drivers(user: User) -> bool:
    """Operations keep the driver list; managers and admins too."""
    if roles.is_manager(user):
        return True
    return (
        roles.is_member(user)
        and Membership.objects.filter(user=user, team__kind=Team.Kind.OPERATIONS).exists()
    )


def driver_list(user: User, *, search: str = "", active: bool | None = None) -> QuerySet[Driver]:
    """Drivers a member may see, by name, with their zone."""
    if not roles.is_member(user):
        raise PermissionDenied
    qs = Driver.objects.select_related("zone").order_by("name", "id")
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(email__icontains=search) | Q(phone__icontains=search)
        )
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def get_driver_for_user(user: User, pk: int, *, write: bool = False) -> Driver:
    """The driver; 404 if there is none, PermissionDenied for outsiders (and for those who do
    not keep the list when ``write``)."""
    if not roles.is_member(user) or (write and not can_edit_drivers(user)):
        raise PermissionDenied
    driver = Driver.objects.select_related("zone").filter(pk=pk).first()
    if driver is None:
        raise Http404("No such driver.")
    return driver


def drivers_to_survey(ids: list[int] | None = None) -> QuerySet[Driver]:
    """Active drivers with an email address (only those of ``ids`` when given): whom a driver
    survey goes to."""
    qs = Driver.objects.filter(active=True).exclude(email="").order_by("id")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs


def driver_choices() -> QuerySet[Driver]:
    """Drivers to pick from (a survey's chosen drivers): active first, then by name."""
    return Driver.objects.order_by("-active", "name", "id")


# --- Campaigns and their launches -----------------------------------------------------------


def campaign_get(pk: int) -> Campaign:
    """The campaign with its zones and owner team, for any member (404 if none)."""
    campaign = (
        Campaign.objects.prefetch_related("zones")
        .select_related("owner_team")
        .filter(pk=pk)
        .first()
    )
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


def campaigns_overlapping(start: date, end: date) -> QuerySet[Campaign]:
    """Scheduled or live campaigns (and drafts with dates) running on some day of [start, end]."""
    return (
        Campaign.objects.filter(starts_on__isnull=False, starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .exclude(status=Campaign.Status.CANCELLED)
        .prefetch_related("zones")
        .select_related("owner_team")
        .order_by("starts_on", "name")
    )


def zone_delivery_stats(zone_ids: list[int], start: date, end: date) -> dict[int, dict[str, Any]]:
    """Per zone over the local days [start, end]: deliveries completed, per day, and on-time %
    (of those with a promised window)."""
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, time.min, tzinfo=tz)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    days = (end - start).days + 1
    rows = (
        Delivery.objects.filter(zone_id__in=zone_ids, completed_at__gte=lo, completed_at__lt=hi)
        .values("zone_id")
        .annotate(
            n=Count("id"),
            timed=Count("id", filter=Q(on_time__isnull=False)),
            ok=Count("id", filter=Q(on_time=True)),
        )
    )
    out: dict[int, dict[str, Any]] = {
        z: {"completed": 0, "per_day": 0.0, "on_time_pct": None} for z in zone_ids
    }
    for row in rows:
        out[row["zone_id"]] = {
            "completed": row["n"],
            "per_day": round(row["n"] / days, 1),
            "on_time_pct": round(100 * row["ok"] / row["timed"], 1) if row["timed"] else None,
        }
    return out


def zone_orders_by_day(zone_ids: list[int], start: date, end: date) -> dict[tuple[int, date], int]:
    """Deliveries scheduled (by window start) per zone and local day of [start, end]."""
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, time.min, tzinfo=tz)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    rows = (
        Delivery.objects.filter(zone_id__in=zone_ids, window_start__gte=lo, window_start__lt=hi)
        .exclude(status=Delivery.Status.CANCELLED)
        .annotate(day=TruncDate("window_start", tzinfo=tz))
        .values("zone_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(r["zone_id"], r["day"]): r["n"] for r in rows}


def campaign_facts(campaign: Campaign) -> dict[str, Any]:
    """The campaign's live numbers, from the raw rows: new customers, orders with its codes and
    their on-time %, on-time % of its customers' first deliveries, complaints, spend and CAC."""
    customers = Customer.objects.filter(acquisition_campaign=campaign)
    firsts = Delivery.objects.filter(
        customer__acquisition_campaign=campaign,
        is_first_for_customer=True,
        status__in=[Delivery.Status.SUCCEEDED, Delivery.Status.FAILED],
    ).aggregate(
        n=Count("id"),
        timed=Count("id", filter=Q(on_time__isnull=False)),
        ok=Count("id", filter=Q(on_time=True)),
    )
    orders = Delivery.objects.filter(promo_code__campaign=campaign).aggregate(
        n=Count("id"),
        done=Count("id", filter=Q(status__in=[Delivery.Status.SUCCEEDED, Delivery.Status.FAILED])),
        timed=Count("id", filter=Q(on_time__isnull=False)),
        ok=Count("id", filter=Q(on_time=True)),
    )
    spend = campaign.spend.aggregate(t=Sum("amount"))["t"] or Decimal(0)
    complaints = Incident.objects.filter(campaign=campaign, kind=Incident.Kind.COMPLAINT).count()
    errors = Incident.objects.filter(campaign=campaign, kind=Incident.Kind.CAMPAIGN_ERROR).count()

    def pct(ok: int, of: int) -> Decimal | None:
        return (Decimal(100 * ok) / of).quantize(Decimal("0.1")) if of else None

    return {
        "new_customers": customers.count(),
        "first_deliveries": firsts["n"],
        "first_on_time_pct": pct(firsts["ok"], firsts["timed"]),
        "orders": orders["n"],
        "orders_completed": orders["done"],
        "orders_on_time_pct": pct(orders["ok"], orders["timed"]),
        "complaints": complaints,
        "campaign_errors": errors,
        "spend": spend,
        "cac": (spend / firsts["n"]).quantize(Decimal("0.01")) if firsts["n"] else None,
    }


def campaign_code_deliveries(campaign: Campaign) -> QuerySet[Delivery]:
    """Deliveries that used one of the campaign's codes, with their zone and code."""
    return (
        Delivery.objects.filter(promo_code__campaign=campaign)
        .select_related("zone", "promo_code", "customer")
        .order_by("window_start", "id")
    )


def campaign_promo_codes(campaign: Campaign) -> QuerySet[PromoCode]:
    return campaign.promo_codes.order_by("code")


def launch_overrides(start: datetime, end: datetime) -> QuerySet[AuditLog]:
    """Launches a manager forced past an open checklist, with their reasons, in [start, end)."""
    return audit_list(action="campaign.launch_override").filter(at__gte=start, at__lt=end)


def zones_by_code(codes: list[str]) -> QuerySet[Zone]:
    return Zone.objects.filter(code__in=codes).order_by("name")
