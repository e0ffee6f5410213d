"""Writers of the business facts people enter by hand: campaigns, promo codes, incidents.

Each change is audited and recorded as an internal event (hub.campaign.*, hub.promo_code.*,
hub.incident.*) so handoff rules can tell the teams that need to know.
"""

from __future__ import annotations

import secrets
import string
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from hub import audit, events, launch, roles
from hub.errors import DomainError
from hub.models import Campaign, Incident, PromoCode, Team, User, Zone


def campaign_payload(campaign: Campaign) -> dict:
    return {
        "campaign_id": campaign.pk,
        "name": campaign.name,
        "channel": campaign.channel,
        "segment": campaign.segment,
        "zones": [z.code for z in campaign.zones.all()],
        "zone_names": [z.name for z in campaign.zones.all()],
        "starts_on": campaign.starts_on.isoformat() if campaign.starts_on else "",
        "ends_on": campaign.ends_on.isoformat() if campaign.ends_on else "",
        "status": campaign.status,
        "budget": str(campaign.budget),
        "owner_team": campaign.owner_team.name if campaign.owner_team else "",
    }


def _record(kind: str, subject: str, payload: dict) -> None:
    stamp = timezone.now()
    events.record(
        "hub",
        f"hub.{kind}",
        f"{subject}:{kind}:{int(stamp.timestamp() * 1_000_000)}",
        payload,
        occurred_at=stamp,
        subject=subject,
    )


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    name: str,
    channel: str,
    segment: str = "",
    zones: list[Zone] | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    budget: Decimal = Decimal("0"),
    owner_team: Team | None = None,
) -> Campaign:
    """Create a draft campaign. Records hub.campaign.created."""
    name = name.strip()
    if not name:
        raise DomainError("Give the campaign a name.", field="name")
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError("The campaign ends before it starts.", field="ends_on")
    if budget < 0:
        raise DomainError("The budget cannot be negative.", field="budget")
    campaign = Campaign.objects.create(
        name=name,
        channel=channel,
        segment=segment.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        budget=budget,
        owner_team=owner_team,
    )
    campaign.zones.set(zones or [])
    audit.record(actor=actor, action="campaign.create", obj=campaign)
    _record("campaign.created", f"campaign:{campaign.pk}", campaign_payload(campaign))
    return campaign


STATUS_EVENTS: dict[str, str] = {
    Campaign.Status.SCHEDULED: "campaign.scheduled",
    Campaign.Status.LIVE: "campaign.launched",
    Campaign.Status.ENDED: "campaign.ended",
    Campaign.Status.CANCELLED: "campaign.cancelled",
}


@transaction.atomic
def campaign_set_status(
    *, actor: User, campaign: Campaign, status: str, override_reason: str = ""
) -> Campaign:
    """Move a campaign (draft → scheduled → live → ended). Records hub.campaign.<what>.

    Going live asks the launch checks (``hub.launch``): while an item is open it is refused
    with the reasons, unless a manager gives ``override_reason`` — then the override is audited
    and recorded as hub.campaign.launch_overridden (the monthly review lists it)."""
    if status not in Campaign.Status.values:
        raise DomainError("Unknown campaign status.", field="status")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == status:
        return campaign
    if status in (Campaign.Status.SCHEDULED, Campaign.Status.LIVE) and not campaign.starts_on:
        raise DomainError("Set a start date before scheduling the campaign.", field="starts_on")
    if status in (Campaign.Status.SCHEDULED, Campaign.Status.LIVE) and not campaign.zones.exists():
        raise DomainError("Choose the zones the campaign runs in first.", field="zones")
    override_reason = override_reason.strip()
    waiting = launch.open_items(campaign) if status == Campaign.Status.LIVE else []
    if waiting and not override_reason:
        raise DomainError(
            "It can't go live yet: "
            + "; ".join(f"{item.team}: {item.title}" for item in waiting)
            + ". A manager may override with a reason.",
            field="status",
            code="not_ready",
        )
    if waiting and not roles.is_manager(actor):
        raise DomainError(
            "Only a manager may launch a campaign whose checklist is open.", code="forbidden"
        )
    old = campaign.status
    campaign.status = status
    campaign.save(update_fields=["status"])
    audit.record(
        actor=actor, action="campaign.status", obj=campaign, changes={"status": [old, status]}
    )
    if waiting:
        open_titles = [f"{item.team}: {item.title}" for item in waiting]
        audit.record(
            actor=actor,
            action="campaign.launch_override",
            obj=campaign,
            changes={"reason": override_reason, "open": open_titles},
        )
        _record(
            "campaign.launch_overridden",
            f"campaign:{campaign.pk}",
            {
                **campaign_payload(campaign),
                "reason": override_reason,
                "open_items": open_titles,
                "by": actor.display_name,
            },
        )
    if status in STATUS_EVENTS:
        _record(STATUS_EVENTS[status], f"campaign:{campaign.pk}", campaign_payload(campaign))
    return campaign


@transaction.atomic
def campaign_update(
    *,
    actor: User,
    campaign: Campaign,
    name: str,
    channel: str,
    segment: str = "",
    zones: list[Zone] | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    budget: Decimal = Decimal("0"),
    owner_team: Team | None = None,
) -> Campaign:
    """Change a campaign's name, dates, zones, budget… Records hub.campaign.updated with what
    changed, so the teams that planned around it hear of it; a save that changes nothing
    records nothing."""
    name = name.strip()
    if not name:
        raise DomainError("Give the campaign a name.", field="name")
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError("The campaign ends before it starts.", field="ends_on")
    if budget < 0:
        raise DomainError("The budget cannot be negative.", field="budget")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status in (Campaign.Status.SCHEDULED, Campaign.Status.LIVE):
        if not starts_on:
            raise DomainError("A scheduled or live campaign needs a start date.", field="starts_on")
        if not zones:
            raise DomainError(
                "A scheduled or live campaign runs in at least one zone.", field="zones"
            )
    before = campaign_payload(campaign)
    campaign.name = name
    campaign.channel = channel
    campaign.segment = segment.strip()
    campaign.starts_on = starts_on
    campaign.ends_on = ends_on
    campaign.budget = budget
    campaign.owner_team = owner_team
    campaign.save()
    campaign.zones.set(zones or [])
    after = campaign_payload(campaign)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changes:
        return campaign
    audit.record(actor=actor, action="campaign.update", obj=campaign, changes=changes)
    _record(
        "campaign.updated",
        f"campaign:{campaign.pk}",
        {**after, "changed": sorted(changes)},
    )
    return campaign


def promo_payload(promo: PromoCode) -> dict:
    campaign = promo.campaign
    return {
        "promo_code_id": promo.pk,
        "code": promo.code,
        "discount_percent": promo.discount_percent,
        "campaign": campaign.name if campaign else "",
        "campaign_id": campaign.pk if campaign else None,
        "zones": [z.code for z in campaign.zones.all()] if campaign else [],
        "zone_names": [z.name for z in campaign.zones.all()] if campaign else [],
        "valid_from": promo.valid_from.isoformat() if promo.valid_from else "",
        "valid_until": promo.valid_until.isoformat() if promo.valid_until else "",
        "max_uses": promo.max_uses,
        "active": promo.active,
    }


@transaction.atomic
def promo_code_update(
    *,
    actor: User,
    promo: PromoCode,
    discount_percent: int,
    valid_from: date | None = None,
    valid_until: date | None = None,
    max_uses: int | None = None,
) -> PromoCode:
    """Change a promo code's discount, dates or limit (its code stays: customers have it).
    Records hub.promo_code.changed with what changed."""
    if not 0 < discount_percent <= 100:
        raise DomainError("The discount is 1 to 100 percent.", field="discount_percent")
    if valid_from and valid_until and valid_until < valid_from:
        raise DomainError("The code expires before it starts.", field="valid_until")
    promo = (
        PromoCode.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .get(pk=promo.pk)
    )
    before = promo_payload(promo)
    promo.discount_percent = discount_percent
    promo.valid_from = valid_from
    promo.valid_until = valid_until
    promo.max_uses = max_uses
    promo.save(update_fields=["discount_percent", "valid_from", "valid_until", "max_uses"])
    after = promo_payload(promo)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit.record(actor=actor, action="promo_code.update", obj=promo, changes=changes)
        _record(
            "promo_code.changed", f"promo_code:{promo.pk}", {**after, "changed": sorted(changes)}
        )
    return promo


@transaction.atomic
def promo_code_set_active(*, actor: User, promo: PromoCode, active: bool) -> PromoCode:
    """Switch a promo code off (or on again). Records hub.promo_code.deactivated/reactivated;
    a no-op when it already is."""
    updated = PromoCode.objects.filter(pk=promo.pk, active=not active).update(active=active)
    promo = PromoCode.objects.select_related("campaign").get(pk=promo.pk)
    if updated:
        what = "reactivated" if active else "deactivated"
        audit.record(actor=actor, action=f"promo_code.{what}", obj=promo)
        _record(f"promo_code.{what}", f"promo_code:{promo.pk}", promo_payload(promo))
    return promo


@transaction.atomic
def promo_code_create(
    *,
    actor: User,
    code: str,
    discount_percent: int,
    campaign: Campaign | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    max_uses: int | None = None,
    batch: str = "",
    batch_size: int = 0,
) -> PromoCode:
    """Create a promo code. Records hub.promo_code.created so ops and CS hear of it first
    (``batch`` names the generation or import it came with, so one message can cover it)."""
    code = code.strip().upper()
    problem = _code_problem(code)
    if problem:
        raise DomainError(problem, field="code")
    if PromoCode.objects.filter(code__iexact=code).exists():
        raise DomainError(f"The code {code} exists already.", field="code")
    _check_promo_terms(discount_percent, valid_from, valid_until)
    promo = PromoCode.objects.create(
        code=code,
        discount_percent=discount_percent,
        campaign=campaign,
        valid_from=valid_from,
        valid_until=valid_until,
        max_uses=max_uses,
    )
    audit.record(actor=actor, action="promo_code.create", obj=promo)
    payload = promo_payload(promo)
    del payload["active"]
    if batch:
        payload["batch"] = batch
        payload["batch_size"] = batch_size
    _record("promo_code.created", f"promo_code:{promo.pk}", payload)
    return promo


CODE_CHARS = frozenset(string.ascii_uppercase + string.digits + "-_")
MAX_BATCH = 500


def _code_problem(code: str) -> str:
    if not code or " " in code:
        return "A promo code is one word, e.g. NORTH20."
    if len(code) > 40 or not set(code) <= CODE_CHARS:
        return f"“{code[:40]}”: use up to 40 letters, digits, - or _."
    return ""


def _check_promo_terms(
    discount_percent: int, valid_from: date | None, valid_until: date | None
) -> None:
    if not 0 < discount_percent <= 100:
        raise DomainError("The discount is 1 to 100 percent.", field="discount_percent")
    if valid_from and valid_until and valid_until < valid_from:
        raise DomainError("The code expires before it starts.", field="valid_until")


def _pattern_fill(pattern: str, rng: secrets.SystemRandom) -> str:
    # "#" a digit, "?" a letter (no I or O, which read as 1 and 0), anything else as written.
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(
        rng.choice(string.digits) if ch == "#" else rng.choice(letters) if ch == "?" else ch
        for ch in pattern
    )


@transaction.atomic
def promo_codes_generate(
    *,
    actor: User,
    campaign: Campaign,
    pattern: str,
    count: int,
    discount_percent: int,
    valid_from: date | None = None,
    valid_until: date | None = None,
    max_uses: int | None = None,
) -> list[PromoCode]:
    """Create ``count`` codes from ``pattern`` ("SPRING-####": # a digit, ? a letter), all or
    none. Each records hub.promo_code.created with one batch name."""
    pattern = pattern.strip().upper()
    if not 1 <= count <= MAX_BATCH:
        raise DomainError(f"Generate 1 to {MAX_BATCH} codes at a time.", field="count")
    slots = pattern.count("#") + pattern.count("?")
    if not slots:
        raise DomainError(
            "Put # (a digit) or ? (a letter) where the codes differ, e.g. SPRING-####.",
            field="pattern",
        )
    problem = _code_problem(pattern.replace("#", "0").replace("?", "A"))
    if problem:
        raise DomainError(problem, field="pattern")
    combinations = 10 ** pattern.count("#") * 24 ** pattern.count("?")
    if combinations < count * 4:
        raise DomainError(
            f"{pattern} makes only {combinations} different codes: add # or ? for {count}.",
            field="pattern",
        )
    _check_promo_terms(discount_percent, valid_from, valid_until)
    rng = secrets.SystemRandom()
    codes: set[str] = set()
    for _ in range(count * 50):
        if len(codes) == count:
            break
        candidates = {_pattern_fill(pattern, rng) for _ in range(count - len(codes))}
        taken = set(PromoCode.objects.filter(code__in=candidates).values_list("code", flat=True))
        codes |= candidates - taken
    codes = set(sorted(codes)[:count])
    if len(codes) < count:
        raise DomainError(f"Too many codes of {pattern} exist already.", field="pattern")
    return _promo_batch_create(
        "generate",
        sorted(codes),
        actor=actor,
        campaign=campaign,
        discount_percent=discount_percent,
        valid_from=valid_from,
        valid_until=valid_until,
        max_uses=max_uses,
    )


@transaction.atomic
def promo_codes_import(
    *,
    actor: User,
    campaign: Campaign,
    text: str,
    discount_percent: int,
    valid_from: date | None = None,
    valid_until: date | None = None,
    max_uses: int | None = None,
) -> list[PromoCode]:
    """Create the codes listed in ``text`` (one a line, or separated by commas), all or none:
    every problem is reported at once. Each records hub.promo_code.created with one batch."""
    _check_promo_terms(discount_percent, valid_from, valid_until)
    codes = [c.strip().upper() for line in text.splitlines() for c in line.split(",")]
    codes = [c for c in codes if c and c != "CODE"]  # a header line "code" is no code
    if not codes:
        raise DomainError("Paste the codes, one a line.", field="codes")
    if len(codes) > MAX_BATCH:
        raise DomainError(f"Import up to {MAX_BATCH} codes at a time.", field="codes")
    problems = [p for p in (_code_problem(c) for c in codes) if p]
    twice = sorted(c for c, n in Counter(codes).items() if n > 1)
    if twice:
        problems.append("Listed twice: " + ", ".join(twice) + ".")
    taken = sorted(PromoCode.objects.filter(code__in=codes).values_list("code", flat=True))
    if taken:
        problems.append("Exist already: " + ", ".join(taken) + ".")
    if problems:
        raise DomainError(
            "Nothing was imported. " + " ".join(problems[:10]),
            field="codes",
            errors={"codes": problems},
        )
    return _promo_batch_create(
        "import",
        codes,
        actor=actor,
        campaign=campaign,
        discount_percent=discount_percent,
        valid_from=valid_from,
        valid_until=valid_until,
        max_uses=max_uses,
    )


def _promo_batch_create(
    kind: str, codes: list[str], *, actor: User, campaign: Campaign, **terms: Any
) -> list[PromoCode]:
    """Create checked ``codes`` as one batch: each records hub.promo_code.created naming the
    batch and its size, so one message can cover them all."""
    batch = f"{kind}:{campaign.pk}:{int(timezone.now().timestamp() * 1_000_000)}"
    return [
        promo_code_create(
            actor=actor, code=code, campaign=campaign, batch=batch, batch_size=len(codes), **terms
        )
        for code in codes
    ]


@transaction.atomic
def incident_create(
    *,
    actor: User,
    kind: str,
    title: str,
    description: str = "",
    campaign: Campaign | None = None,
    zone: Zone | None = None,
    team: Team | None = None,
    communication_error: bool = False,
) -> Incident:
    """Log a campaign error, complaint or ops incident. Records hub.incident.created."""
    if kind not in Incident.Kind.values:
        raise DomainError("Choose what kind of incident it is.", field="kind")
    if not title.strip():
        raise DomainError("Say what happened.", field="title")
    incident = Incident.objects.create(
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        campaign=campaign,
        zone=zone,
        team=team,
        communication_error=communication_error,
        reported_by=actor,
    )
    audit.record(actor=actor, action="incident.create", obj=incident)
    _record(
        "incident.created",
        f"incident:{incident.pk}",
        {
            "incident_id": incident.pk,
            "kind": kind,
            "title": incident.title,
            "campaign_id": campaign.pk if campaign else None,
            "zone": zone.code if zone else "",
            "team": team.name if team else "",
            "communication_error": communication_error,
        },
    )
    return incident
