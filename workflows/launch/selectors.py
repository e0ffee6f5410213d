"""Reads of campaign launches: readiness (the hub's launch check), live numbers, findings,
the calendar and the monthly review's overrides."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from handoffs import selectors as handoff_selectors
from hub import launch, roles
from hub import selectors as hub_selectors
from hub.models import Campaign, Team, User, Zone
from workflows.models import Detection, LaunchPlan, ReadinessItem

RECENT_DAYS = 28
# Operations first: the item a launch most often waits for.
KIND_ORDER: dict[str, int] = {
    ReadinessItem.Kind.CAPACITY: 0,
    ReadinessItem.Kind.BRIEF: 1,
    ReadinessItem.Kind.CODES: 2,
}


def plan_of(campaign: Campaign) -> LaunchPlan | None:
    return LaunchPlan.objects.filter(campaign=campaign).first()


def items_of(plan: LaunchPlan) -> list[ReadinessItem]:
    return list(plan.items.select_related("team", "zone", "confirmed_by"))


def _item_text(item: ReadinessItem) -> tuple[str, str]:
    if item.kind == ReadinessItem.Kind.CAPACITY:
        title = f"capacity in {item.zone} ({item.expected_per_day} orders a day expected)"
        days = item.capacity_days()
        on_days = "; ".join(f"{n} on {day}" for day, n in days[:3]) + (
            f" and {len(days) - 3} more days" if len(days) > 3 else ""
        )
        if item.status == ReadinessItem.Status.SHORT:
            cap = item.capacity_per_day or 0
            if cap < item.expected_per_day:
                return title, f"only {cap} a day confirmed" + (f"; {on_days}" if days else "")
            return title, f"{cap} a day confirmed, but only {on_days}"
        if item.done:
            return title, f"{item.capacity_per_day} a day confirmed" + (
                f"; {on_days}" if days else ""
            )
        return title, "not confirmed yet"
    if item.kind == ReadinessItem.Kind.BRIEF:
        title = "brief and FAQ acknowledged"
    else:
        title = "promo codes confirmed working"
    return title, "confirmed" if item.done else "not confirmed yet"


def readiness_for(campaigns: Sequence[Campaign]) -> dict[int, list[launch.ReadinessItem]]:
    """The hub's launch check: each campaign's checklist (one query for the whole list)."""
    plans = {
        p.campaign_id: p for p in LaunchPlan.objects.filter(campaign__in=[c.pk for c in campaigns])
    }
    items: dict[int, list[ReadinessItem]] = defaultdict(list)
    zones_of = {c.pk: {z.pk for z in c.zones.all()} for c in campaigns}
    for item in ReadinessItem.objects.filter(plan__in=list(plans.values())).select_related(
        "team", "zone", "plan"
    ):
        # A zone taken off the campaign no longer needs capacity.
        if item.zone_id is None or item.zone_id in zones_of.get(item.plan.campaign_id, set()):
            items[item.plan_id].append(item)
    out: dict[int, list[launch.ReadinessItem]] = {}
    for campaign in campaigns:
        plan = plans.get(campaign.pk)
        if campaign.status in (Campaign.Status.ENDED, Campaign.Status.CANCELLED):
            out[campaign.pk] = []
            continue
        if campaign.status == Campaign.Status.LIVE and (
            plan is None or plan.checklist_opened_at is None
        ):
            out[campaign.pk] = []  # went live before it had a checklist
            continue
        if plan is None or plan.checklist_opened_at is None:
            out[campaign.pk] = [
                launch.ReadinessItem(
                    key="checklist",
                    team="Marketing",
                    title="schedule the campaign first, so the teams get their checklist",
                    done=False,
                    detail="not started",
                    url=reverse("campaign_detail", args=[campaign.pk]),
                )
            ]
            continue
        rows = []
        for item in sorted(items[plan.pk], key=lambda i: (KIND_ORDER[i.kind], str(i.zone or ""))):
            title, detail = _item_text(item)
            rows.append(
                launch.ReadinessItem(
                    key=f"{item.kind}:{item.zone.code if item.zone else ''}".rstrip(":"),
                    team=item.team.name,
                    title=title,
                    done=item.done,
                    detail=detail,
                    url=item.get_absolute_url(),
                )
            )
        out[campaign.pk] = rows
    return out


def get_item_for_user(user: User, pk: int) -> ReadinessItem:
    """A readiness item, for any member (404 if none)."""
    if not roles.is_member(user):
        raise PermissionDenied
    item = (
        ReadinessItem.objects.select_related("plan__campaign", "team", "zone", "confirmed_by")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("No such readiness item.")
    return item


def get_detection_for_user(user: User, pk: int) -> Detection:
    if not roles.is_member(user):
        raise PermissionDenied
    detection = Detection.objects.select_related("campaign").filter(pk=pk).first()
    if detection is None:
        raise Http404("No such finding.")
    return detection


def may_confirm(user: User, item: ReadinessItem) -> bool:
    return roles.is_admin(user) or hub_selectors.user_teams(user).filter(pk=item.team_id).exists()


def zone_recent(zones: list[Zone], today: date | None = None) -> dict[int, dict[str, Any]]:
    """Recent volume and on-time % per zone (the last 28 days), shown next to a request."""
    today = today or timezone.localdate()
    return hub_selectors.zone_delivery_stats(
        [z.pk for z in zones], today - timedelta(days=RECENT_DAYS), today - timedelta(days=1)
    )


def is_ops(user: User) -> bool:
    return (
        roles.is_admin(user)
        or hub_selectors.user_teams(user).filter(kind=Team.Kind.OPERATIONS).exists()
    )


def brief_page(plan: LaunchPlan, user: User) -> Any:
    from wiki import selectors as wiki_selectors

    if not plan.brief_page_id:
        return None
    try:
        return wiki_selectors.get_page_for_user(user, plan.brief_page_id)
    except (Http404, PermissionDenied):
        return None


# --- Live numbers ---------------------------------------------------------------------------


def promo_csat(campaign: Campaign) -> dict[str, Any]:
    """CSAT (1–5) of customers who used one of the campaign's codes: mean and answers."""
    from feedback import selectors as feedback_selectors

    start = campaign.starts_on or (timezone.localdate() - timedelta(days=365))
    end = max(timezone.localdate(), campaign.ends_on or start)
    days = feedback_selectors.daily_inputs(start, end + timedelta(days=30), campaign_id=campaign.pk)
    total = sum((d.get("promo_csat_sum", Decimal(0)) for d in days.values()), Decimal(0))
    count = sum((d.get("promo_csat_count", Decimal(0)) for d in days.values()), Decimal(0))
    return {
        "mean": (total / count).quantize(Decimal("0.01")) if count else None,
        "count": int(count),
    }


def campaign_numbers(campaign: Campaign) -> dict[str, Any]:
    """What marketing, ops and support all look at, live."""
    return {**hub_selectors.campaign_facts(campaign), "promo_csat": promo_csat(campaign)}


def get_campaign_numbers_for_user(user: User, pk: int) -> tuple[Campaign, dict[str, Any]]:
    """The campaign and its live numbers (the page's panel and the API read this), for any
    member (404 if no such campaign)."""
    if not roles.is_member(user):
        raise PermissionDenied
    campaign = hub_selectors.campaign_get(pk)
    return campaign, campaign_numbers(campaign)


# --- Findings -------------------------------------------------------------------------------


def campaigns_to_watch(today: date | None = None) -> list[Campaign]:
    today = today or timezone.localdate()
    return list(
        hub_selectors.campaigns_overlapping(
            today - timedelta(days=14), today + timedelta(days=60)
        ).filter(
            status__in=[Campaign.Status.SCHEDULED, Campaign.Status.LIVE, Campaign.Status.ENDED]
        )
    )


Finding = tuple[str, str, str, list[dict[str, Any]]]


def findings(campaign: Campaign) -> list[Finding]:
    """(kind, subject, title, evidence rows) of everything that looks wrong with ``campaign``:
    codes redeemed outside its zones or dates, codes operations never acknowledged, codes the
    support FAQ does not mention, orders above the capacity operations confirmed."""
    out: list[Finding] = []
    zones = {z.pk for z in campaign.zones.all()}
    codes = list(hub_selectors.campaign_promo_codes(campaign))
    deliveries = list(hub_selectors.campaign_code_deliveries(campaign))
    outside: dict[str, list[dict[str, Any]]] = defaultdict(list)
    per_zone_day: dict[tuple[int, date], int] = defaultdict(int)
    for d in deliveries:
        when = timezone.localtime(d.window_start).date() if d.window_start else None
        reasons = []
        if d.zone_id and zones and d.zone_id not in zones:
            reasons.append(f"in {d.zone}, not a campaign zone")
        if when and campaign.starts_on and when < campaign.starts_on:
            reasons.append(f"on {when}, before the campaign starts ({campaign.starts_on})")
        if when and campaign.ends_on and when > campaign.ends_on:
            reasons.append(f"on {when}, after the campaign ended ({campaign.ends_on})")
        if reasons and d.promo_code:
            outside[d.promo_code.code].append(
                {
                    "delivery": d.dispatch_id,
                    "text": f"Delivery {d.dispatch_id}: {'; '.join(reasons)}",
                }
            )
        if when and d.zone_id:
            per_zone_day[(d.zone_id, when)] += 1
    for code, rows in sorted(outside.items()):
        out.append(
            (
                Detection.Kind.OUTSIDE,
                f"code:{code}",
                f"{code} redeemed outside the zones or dates of “{campaign.name}” ({len(rows)}×)",
                rows[:50],
            )
        )
    plan = plan_of(campaign)
    if codes and plan is not None and plan.checklist_opened_at is not None:
        ops = hub_selectors.team_list().filter(kind=Team.Kind.OPERATIONS)
        acked = handoff_selectors.subjects_acknowledged(
            [f"promo_code:{p.pk}" for p in codes], [t.pk for t in ops]
        )
        capacity_confirmed = [
            at
            for at in plan.items.filter(
                kind=ReadinessItem.Kind.CAPACITY, status=ReadinessItem.Status.CONFIRMED
            ).values_list("confirmed_at", flat=True)
            if at is not None
        ]
        last_confirmed = max(capacity_confirmed, default=None)
        for p in codes:
            # Ops saw the code when they acknowledged its handoff, or confirmed capacity after
            # it existed (the capacity request lists the campaign's codes).
            seen = f"promo_code:{p.pk}" in acked or (
                last_confirmed is not None and last_confirmed >= p.created_at
            )
            made = timezone.localtime(p.created_at)
            if not seen and campaign.status != Campaign.Status.SCHEDULED:
                out.append(
                    (
                        Detection.Kind.UNACKED,
                        f"code:{p.code}",
                        f"Operations never acknowledged {p.code} of “{campaign.name}”",
                        [
                            {
                                "text": f"{p.code} created {made:%Y-%m-%d %H:%M}; no operations "
                                "handoff about it was acknowledged"
                            }
                        ],
                    )
                )
        page = None
        if plan.brief_page_id:
            from wiki import selectors as wiki_selectors

            page = wiki_selectors.page_text(plan.brief_page_id)
        if page is not None:
            page_title, body = page[0], page[1].upper()
            missing = [p.code for p in codes if p.active and p.code not in body]
            if missing:
                out.append(
                    (
                        Detection.Kind.NOT_IN_FAQ,
                        "faq:" + ",".join(missing)[:100],
                        f"The FAQ of “{campaign.name}” does not mention {', '.join(missing[:5])}"
                        + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""),
                        [{"text": f"{c} is not on the page “{page_title}”"} for c in missing[:50]],
                    )
                )
        capacity = {
            i.zone_id: i
            for i in plan.items.filter(kind=ReadinessItem.Kind.CAPACITY).exclude(
                capacity_per_day__isnull=True
            )
        }
        names = {z.pk: z.name for z in campaign.zones.all()}
        for (zone_id, day), n in sorted(per_zone_day.items()):
            confirmed = capacity.get(zone_id)
            cap = confirmed.capacity_on(day) if confirmed is not None else None
            if cap is not None and n > cap:
                out.append(
                    (
                        Detection.Kind.OVER_CAPACITY,
                        f"{zone_id}:{day.isoformat()}",
                        f"{n} orders with codes of “{campaign.name}” in "
                        f"{names.get(zone_id, 'a zone')} on {day}: {cap} a day confirmed",
                        [{"text": f"{n} orders on {day}, capacity {cap} a day"}],
                    )
                )
    return out


def pending_detections(campaign: Campaign) -> list[Detection]:
    return list(
        Detection.objects.filter(campaign=campaign, status=Detection.Status.PENDING).order_by(
            "created_at", "id"
        )
    )


def decided_detections(campaign: Campaign, limit: int = 10) -> list[Detection]:
    return list(
        Detection.objects.filter(campaign=campaign)
        .exclude(status=Detection.Status.PENDING)
        .select_related("decided_by")
        .order_by("-decided_at")[:limit]
    )


# --- Calendar -------------------------------------------------------------------------------


@dataclass
class CalendarCell:
    day: date
    campaigns: list[Campaign] = field(default_factory=list)
    expected: int = 0
    capacity: int | None = None

    @property
    def clash(self) -> bool:
        return len(self.campaigns) > 1 or (
            self.capacity is not None and self.expected > self.capacity
        )


@dataclass
class CalendarRow:
    zone: Zone
    cells: list[CalendarCell]
    recent_per_day: float = 0.0


def calendar(start: date, days: int = 28) -> dict[str, Any]:
    """Campaigns per zone and day from ``start``, with the expected orders and the capacity ops
    confirmed for them: a day with two campaigns in a zone, or more expected than confirmed,
    is a clash."""
    end = start + timedelta(days=days - 1)
    campaigns = list(hub_selectors.campaigns_overlapping(start, end))
    plans = {p.campaign_id: p for p in LaunchPlan.objects.filter(campaign__in=campaigns)}
    items: dict[int, dict[int | None, ReadinessItem]] = defaultdict(dict)
    for row in ReadinessItem.objects.filter(
        plan__in=list(plans.values()), kind=ReadinessItem.Kind.CAPACITY
    ):
        items[row.plan_id][row.zone_id] = row
    zones = sorted({z for c in campaigns for z in c.zones.all()}, key=lambda z: z.name)
    recent = zone_recent(zones, today=start)
    rows = []
    for zone in zones:
        cells = [CalendarCell(day=start + timedelta(days=n)) for n in range(days)]
        for c in campaigns:
            if zone not in c.zones.all():
                continue
            plan = plans.get(c.pk)
            item: ReadinessItem | None = items[plan.pk].get(zone.pk) if plan else None
            for cell in cells:
                if (
                    c.starts_on
                    and c.starts_on <= cell.day
                    and (not c.ends_on or cell.day <= c.ends_on)
                ):
                    cell.campaigns.append(c)
                    if item is not None:
                        cell.expected += item.expected_per_day
                        cap = item.capacity_on(cell.day)
                        if cap is not None:
                            cell.capacity = (cell.capacity or 0) + cap
        rows.append(CalendarRow(zone=zone, cells=cells, recent_per_day=recent[zone.pk]["per_day"]))
    return {
        "start": start,
        "end": end,
        "days": [start + timedelta(days=n) for n in range(days)],
        "rows": rows,
        "campaigns": campaigns,
    }


# --- Monthly review -------------------------------------------------------------------------


def review_overrides(month: date) -> list[dict[str, str]]:
    """Launches a manager forced past an open checklist in ``month``, with the reason."""
    tz = timezone.get_current_timezone()
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    rows = hub_selectors.launch_overrides(
        datetime.combine(first, time.min, tzinfo=tz), datetime.combine(nxt, time.min, tzinfo=tz)
    )
    return [
        {
            "text": f"{row.object_repr} went live with its checklist open",
            "url": reverse("campaign_detail", args=[int(row.object_id)]),
            "note": f"{row.actor.display_name if row.actor else 'someone'}: "
            f"“{row.changes.get('reason', '')}” · open: {'; '.join(row.changes.get('open', []))}",
        }
        for row in rows
    ]


def item_list(user: User, *, campaign_id: int | None = None) -> Any:
    """Readiness items, newest first, for any member."""
    if not roles.is_member(user):
        raise PermissionDenied
    qs = ReadinessItem.objects.select_related("plan", "team", "zone", "confirmed_by").order_by(
        "-id"
    )
    if campaign_id is not None:
        qs = qs.filter(plan__campaign_id=campaign_id)
    return qs


def detection_list(user: User, *, campaign_id: int | None = None, status: str | None = None) -> Any:
    """Findings, newest first, for any member."""
    if not roles.is_member(user):
        raise PermissionDenied
    qs = Detection.objects.select_related("decided_by").order_by("-id")
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if status:
        qs = qs.filter(status=status)
    return qs
