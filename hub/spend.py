"""Marketing spend: entered per day or month by marketing, or imported from an ads platform's
or HubSpot's CSV export. The only writers of ``MarketingSpend`` (besides the demo)."""

from __future__ import annotations

import csv
import io
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet, Sum

from hub import audit, roles
from hub.errors import DomainError
from hub.models import Campaign, MarketingSpend, User, Zone

CENT = Decimal("0.01")


def _require_marketing(user: User) -> None:
    """Managers and admins, and members of a marketing team, enter spend."""
    if roles.is_manager(user):
        return
    if user.is_authenticated and user.memberships.filter(team__kind="marketing").exists():
        return
    raise DomainError("Only marketing and managers enter spend.", code="forbidden")


def _days(day: date, whole_month: bool) -> list[date]:
    if not whole_month:
        return [day]
    first = day.replace(day=1)
    return [first + timedelta(days=i) for i in range(monthrange(first.year, first.month)[1])]


def _split(amount: Decimal, parts: int) -> list[Decimal]:
    """Cents spread evenly; the remainder goes to the last day, so the parts sum exactly."""
    each = (amount / parts).quantize(CENT, rounding=ROUND_DOWN)
    return [each] * (parts - 1) + [amount - each * (parts - 1)]


@transaction.atomic
def spend_record(
    *,
    actor: User,
    campaign: Campaign,
    day: date,
    amount: Decimal,
    zone: Zone | None = None,
    whole_month: bool = False,
    audit_it: bool = True,
) -> list[MarketingSpend]:
    """Set what a campaign cost on a day (or over ``day``'s month, spread over its days), in a
    zone or not. Entering the same day, campaign and zone again replaces it (idempotent)."""
    _require_marketing(actor)
    if amount is None or amount < 0:
        raise DomainError("Spend is an amount of 0 or more.", field="amount")
    amount = Decimal(amount).quantize(CENT)
    days = _days(day, whole_month)
    rows = []
    for one_day, part in zip(days, _split(amount, len(days)), strict=True):
        row, _ = MarketingSpend.objects.update_or_create(
            campaign=campaign, day=one_day, zone=zone, defaults={"amount": part}
        )
        rows.append(row)
    if audit_it:
        audit.record(
            actor=actor,
            action="spend.record",
            obj=campaign,
            changes={
                "from": days[0].isoformat(),
                "to": days[-1].isoformat(),
                "zone": zone.code if zone else None,
                "amount": str(amount),
            },
        )
    return rows


@transaction.atomic
def spend_delete(*, actor: User, spend: MarketingSpend) -> None:
    _require_marketing(actor)
    audit.record(
        actor=actor,
        action="spend.delete",
        obj=spend.campaign,
        changes={"day": spend.day.isoformat(), "amount": str(spend.amount)},
    )
    spend.delete()


# --- CSV import ---------------------------------------------------------------------------------

# Header names of Google Ads, Meta Ads Manager, LinkedIn and HubSpot exports (lower-cased).
DAY_COLUMNS = ("day", "date", "reporting starts", "start date (in utc)", "month", "period")
CAMPAIGN_COLUMNS = ("campaign", "campaign name", "campaign id", "utm_campaign")
AMOUNT_COLUMNS = ("cost", "amount spent", "amount spent (usd)", "amount", "spend", "total spent")
ZONE_COLUMNS = ("zone", "region", "location", "city")


@dataclass
class ImportResult:
    rows: int
    total: Decimal
    errors: list[str]


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    for i, h in enumerate(lowered):  # "Cost (EUR)", "Amount spent (USD)"
        if any(h.startswith(name) for name in names):
            return i
    return None


def _parse_day(value: str) -> tuple[date, bool]:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%b %d, %Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, fmt).date(), False  # noqa: DTZ007 - a calendar day
        except ValueError:
            pass
    for fmt in ("%Y-%m", "%B %Y", "%b %Y"):
        try:
            return datetime.strptime(value, fmt).date(), True  # noqa: DTZ007 - a calendar month
        except ValueError:
            pass
    raise ValueError(value)


def _parse_amount(value: str) -> Decimal:
    cleaned = value.strip().replace("\u00a0", "").replace(" ", "")
    for symbol in ("$", "€", "£", "USD", "EUR", "GBP"):
        cleaned = cleaned.replace(symbol, "")
    if cleaned.count(",") and cleaned.count("."):
        cleaned = cleaned.replace(",", "")  # 1,234.50
    else:
        cleaned = cleaned.replace(",", ".")  # 1234,50
    return Decimal(cleaned)


def _campaign_named(value: str) -> Campaign | None:
    value = value.strip()
    return (
        Campaign.objects.filter(external_id=value).first()
        or Campaign.objects.filter(name__iexact=value).first()
    )


def _zone_named(value: str) -> Zone | None:
    value = value.strip()
    return Zone.objects.filter(Q(code__iexact=value) | Q(name__iexact=value)).first()


def spend_import_csv(*, actor: User, content: str | bytes) -> ImportResult:
    """Import an ads platform's or HubSpot's spend export: a day (or month), a campaign (name or
    id), an amount, optionally a zone. All rows or none: any row that can't be read is reported
    with its line number and nothing is saved. Importing the same file again changes nothing."""
    _require_marketing(actor)
    if isinstance(content, bytes):
        content = content.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    lines = [row for row in reader if any(cell.strip() for cell in row)]
    if not lines:
        raise DomainError("The file is empty.", field="file")
    header = lines[0]
    cols = {
        "day": _column(header, DAY_COLUMNS),
        "campaign": _column(header, CAMPAIGN_COLUMNS),
        "amount": _column(header, AMOUNT_COLUMNS),
        "zone": _column(header, ZONE_COLUMNS),
    }
    missing = [name for name in ("day", "campaign", "amount") if cols[name] is None]
    if missing:
        raise DomainError(
            "The file needs columns for "
            + ", ".join(missing)
            + " (e.g. Day, Campaign, Cost; optionally Zone).",
            field="file",
        )
    parsed, errors = [], []
    for number, row in enumerate(lines[1:], start=2):
        cell = {k: (row[i] if i is not None and i < len(row) else "") for k, i in cols.items()}
        if cell["campaign"].strip().lower() in ("", "total", "totals", "--"):
            continue  # exports end with a totals line
        try:
            day, whole_month = _parse_day(cell["day"])
        except ValueError:
            errors.append(f"Line {number}: “{cell['day']}” is not a date.")
            continue
        try:
            amount = _parse_amount(cell["amount"])
        except InvalidOperation:
            errors.append(f"Line {number}: “{cell['amount']}” is not an amount.")
            continue
        campaign = _campaign_named(cell["campaign"])
        if campaign is None:
            errors.append(f"Line {number}: no campaign named “{cell['campaign'].strip()}”.")
            continue
        zone = None
        if cell["zone"].strip():
            zone = _zone_named(cell["zone"])
            if zone is None:
                errors.append(f"Line {number}: no zone named “{cell['zone'].strip()}”.")
                continue
        if amount < 0:
            errors.append(f"Line {number}: a negative amount.")
            continue
        parsed.append((campaign, day, whole_month, zone, amount))
    if errors:
        return ImportResult(rows=0, total=Decimal(0), errors=errors)
    # Several lines for the same campaign, day and zone (e.g. one per ad group) add up.
    merged: dict[tuple, Decimal] = {}
    for campaign, day, whole_month, zone, amount in parsed:
        key = (campaign, day, whole_month, zone)
        merged[key] = merged.get(key, Decimal(0)) + amount
    with transaction.atomic():
        for (campaign, day, whole_month, zone), amount in merged.items():
            spend_record(
                actor=actor,
                campaign=campaign,
                day=day,
                amount=amount,
                zone=zone,
                whole_month=whole_month,
                audit_it=False,
            )
        total = sum(merged.values(), Decimal(0))
        audit.record(
            actor=actor,
            action="spend.import",
            obj=actor,
            changes={"rows": len(merged), "total": str(total)},
        )
    return ImportResult(rows=len(merged), total=total, errors=[])


# --- Reads --------------------------------------------------------------------------------------


def spend_list(
    *, start: date | None = None, end: date | None = None, campaign=None, zone=None
) -> QuerySet[MarketingSpend]:
    rows = MarketingSpend.objects.select_related("campaign", "zone").order_by("-day", "-id")
    if start:
        rows = rows.filter(day__gte=start)
    if end:
        rows = rows.filter(day__lte=end)
    if campaign:
        rows = rows.filter(campaign=campaign)
    if zone:
        rows = rows.filter(zone=zone)
    return rows


def first_spend_day() -> date | None:
    return MarketingSpend.objects.aggregate(d=Min("day"))["d"]


def spend_by_day(
    start: date, end: date, *, campaign: Campaign | None = None, zone: Zone | None = None
) -> dict[date, dict[str, Decimal]]:
    """Spend per day, for KPIs. With a zone: the spend aimed at it (a row naming the zone, or a
    row naming none whose campaign targets that zone alone) as ``spend``, and the spend that can
    be told to no single zone as ``unattributed``."""
    rows = MarketingSpend.objects.filter(day__gte=start, day__lte=end)
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    out: dict[date, dict[str, Decimal]] = {}
    if zone is None:
        for day, total in rows.values("day").annotate(t=Sum("amount")).values_list("day", "t"):
            out[day] = {"spend": total or Decimal(0)}
        return out
    single_zone = Campaign.objects.annotate(nz=Count("zones")).filter(nz=1)
    mine = Q(zone=zone) | Q(zone__isnull=True, campaign__in=single_zone.filter(zones=zone))
    nobody = Q(zone__isnull=True) & ~Q(campaign__in=single_zone)
    for day, total, loose in (
        rows.values("day")
        .annotate(t=Sum("amount", filter=mine), u=Sum("amount", filter=nobody))
        .values_list("day", "t", "u")
    ):
        out[day] = {"spend": total or Decimal(0), "unattributed": loose or Decimal(0)}
    return out
