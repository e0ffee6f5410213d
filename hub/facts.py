"""Writers of the shared business facts (customers, deliveries) that integrations feed.

Every writer is idempotent and safe in any arrival order: each source field remembers the
provider time of the value it holds (``sync_state``) and an older event never overwrites a
newer one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from hub.models import Campaign, Customer, Delivery, Driver, PromoCode, Zone
from hub.selectors import unique_or_none

_PHONE_JUNK = re.compile(r"[^\d+]")


def normalise_email(value: str | None) -> str:
    return (value or "").strip().lower()


def normalise_phone(value: str | None) -> str:
    """Digits with a leading + where the number had one (or an international 00 prefix)."""
    raw = (value or "").strip()
    if not raw:
        return ""
    cleaned = _PHONE_JUNK.sub("", raw)
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    plus = cleaned.startswith("+")
    digits = cleaned.replace("+", "")
    if len(digits) < 6:
        return ""
    return ("+" if plus else "") + digits


def _is_newer(state: dict[str, Any], key: str, at_ms: int) -> bool:
    last = state.get(key)
    return last is None or at_ms >= last


def _lock_identities(*keys: str) -> None:
    """Serialise, until commit, everyone matching customers by these emails or phones: two
    tasks for the same phone arriving together would otherwise both find nobody and both
    create a customer. (Postgres; SQLite has one writer anyway.)"""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted({k for k in keys if k}):  # one order everywhere: no deadlock
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"customer:{key}"])


def _matching_customers(email: str, phone: str) -> Q | None:
    query = Q()
    if email:
        query |= Q(email=email)
    if phone:
        query |= Q(phone=phone)
    return query or None


# --- Customers ------------------------------------------------------------------------------

CRM_FIELDS = {
    "email",
    "phone",
    "first_name",
    "last_name",
    "lifecycle_stage",
    "acquisition_source",
    "campaign",
    "promo_code",
    "postal_code",
}


@dataclass(frozen=True)
class CustomerResult:
    customer: Customer
    created: bool
    changed: list[str]
    merged: int = 0


@transaction.atomic
def customer_from_crm(
    *, crm_id: str, at_ms: int, values: dict[str, str | None], created_event: bool = False
) -> CustomerResult:
    """Create or update the customer known to the CRM as ``crm_id``.

    ``values`` holds CRM fields by our name (see CRM_FIELDS). A dispatch-only customer with
    the same email or phone becomes this customer (their deliveries move with them).
    """
    crm_id = str(crm_id)
    email = normalise_email(values.get("email"))
    phone = normalise_phone(values.get("phone"))
    _lock_identities(email, phone)
    customer = unique_or_none(Customer.objects.select_for_update().filter(crm_id=crm_id))
    created = False
    if customer is None:
        match = _matching_customers(email, phone)
        candidate = (
            Customer.objects.select_for_update()
            .filter(match, crm_id__isnull=True)
            .order_by("first_seen_at", "id")
            .first()
            if match
            else None
        )
        if candidate is not None:
            customer = candidate
            customer.crm_id = crm_id
        else:
            customer = Customer(crm_id=crm_id, first_seen_at=_ms_to_dt(at_ms))
            created = True
    changed = _apply_crm_values(customer, values, at_ms)
    if created_event and _ms_to_dt(at_ms) < customer.first_seen_at:
        customer.first_seen_at = _ms_to_dt(at_ms)
        changed.append("first_seen_at")
    customer.save()
    merged = _merge_duplicates(customer)
    return CustomerResult(customer, created, changed, merged)


def _apply_crm_values(customer: Customer, values: dict[str, str | None], at_ms: int) -> list[str]:
    changed: list[str] = []
    state = dict(customer.sync_state)
    for field, raw in values.items():
        if field not in CRM_FIELDS:
            continue
        key = f"crm:{field}"
        if not _is_newer(state, key, at_ms):
            continue
        state[key] = at_ms
        value = (raw or "").strip()
        if field == "email":
            customer.email = normalise_email(value)
        elif field == "phone":
            customer.phone = normalise_phone(value)
        elif field in ("first_name", "last_name"):
            state[f"name:{field}"] = value
            customer.name = " ".join(
                part for part in (state.get("name:first_name"), state.get("name:last_name")) if part
            )
        elif field == "lifecycle_stage":
            customer.lifecycle_stage = value[:40]
        elif field == "acquisition_source":
            customer.acquisition_source = value[:80]
        elif field == "campaign":
            customer.acquisition_campaign = _campaign(value)
        elif field == "postal_code":
            # The zone that serves the address (kept when the code matches no zone).
            customer.zone = zone_for_dispatch(postal_code=value) or customer.zone
        elif field == "promo_code":
            customer.promo_code = (
                PromoCode.objects.select_related("campaign").filter(code__iexact=value).first()
                if value
                else None
            )
            # A code used at signup links the customer to its campaign (unless the CRM names
            # another campaign, in this event or before).
            linked = customer.promo_code.campaign_id if customer.promo_code else None
            if linked and customer.acquisition_campaign_id is None and "campaign" not in values:
                customer.acquisition_campaign_id = linked
        changed.append(field)
    customer.sync_state = state
    return changed


def _campaign(value: str) -> Campaign | None:
    if not value:
        return None
    return (
        Campaign.objects.filter(Q(external_id=value) | Q(name__iexact=value)).order_by("id").first()
    )


def _merge_duplicates(customer: Customer) -> int:
    """Fold dispatch-only customers with the same email or phone into ``customer``."""
    match = _matching_customers(customer.email, customer.phone)
    if match is None:
        return 0
    others = list(
        Customer.objects.select_for_update()
        .filter(match, crm_id__isnull=True)
        .exclude(pk=customer.pk)
    )
    for other in others:
        Delivery.objects.filter(customer=other).update(customer=customer)
        if other.first_seen_at < customer.first_seen_at:
            customer.first_seen_at = other.first_seen_at
        dispatch_id = other.dispatch_id
        if not customer.zone_id:
            customer.zone_id = other.zone_id
        other.delete()
        if dispatch_id and not customer.dispatch_id:
            customer.dispatch_id = dispatch_id
    if others:
        customer.save()
        recompute_first_delivery(customer)
    return len(others)


@transaction.atomic(savepoint=False)  # inside a caller's transaction: no savepoint
def customer_from_dispatch(
    *, dispatch_id: str | None, name: str, phone: str, email: str, seen_at: datetime
) -> Customer | None:
    """The customer a dispatch task is for: by dispatch id, else by email or phone."""
    phone, email = normalise_phone(phone), normalise_email(email)
    if not dispatch_id and not phone and not email:
        return None
    _lock_identities(email, phone)
    # One query: the customer with this dispatch id if there is one, else the best match by
    # email or phone (a CRM customer first, then the oldest). LIMIT 1 locks only that row.
    match = _matching_customers(email, phone) or Q()
    order: list[Any] = ["-crm_id", "first_seen_at", "id"]
    if dispatch_id:
        match |= Q(dispatch_id=dispatch_id)
        order.insert(0, Case(When(dispatch_id=dispatch_id, then=Value(0)), default=Value(1)))
    customer = Customer.objects.select_for_update().filter(match).order_by(*order).first()
    if customer is not None and dispatch_id and not customer.dispatch_id:
        customer.dispatch_id = dispatch_id
        customer.save(update_fields=["dispatch_id", "updated_at"])
    if customer is None:
        customer = Customer.objects.create(
            dispatch_id=dispatch_id or None,
            name=name[:160],
            phone=phone,
            email=email,
            first_seen_at=seen_at,
        )
    elif seen_at < customer.first_seen_at:
        customer.first_seen_at = seen_at
        customer.save(update_fields=["first_seen_at", "updated_at"])
    if not customer.name and name:
        customer.name = name[:160]
        customer.save(update_fields=["name", "updated_at"])
    return customer


# --- Deliveries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryFacts:
    dispatch_id: str
    at_ms: int
    status: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    completed_at: datetime | None = None
    failure_reason: str = ""
    zone: Zone | None = None
    # As ``customer_from_dispatch`` returned it in the caller's transaction: read under its row
    # lock, which the delivery's writer relies on instead of locking and reading it again.
    customer: Customer | None = None
    promo_code: PromoCode | None = None


@transaction.atomic(savepoint=False)  # inside a caller's transaction: no savepoint
def delivery_from_dispatch(facts: DeliveryFacts) -> tuple[Delivery, bool]:
    """Create or update a delivery; an event older than the last one applied changes nothing.

    Returns (delivery, changed).
    """
    delivery = unique_or_none(
        Delivery.objects.select_for_update().filter(dispatch_id=facts.dispatch_id)
    )
    if delivery is None:
        delivery = Delivery(dispatch_id=facts.dispatch_id)
    elif not _is_newer(delivery.sync_state, "dispatch", facts.at_ms):
        return delivery, False
    # A completed delivery stays completed: later "updated" events may still carry details.
    terminal = {Delivery.Status.SUCCEEDED, Delivery.Status.FAILED, Delivery.Status.CANCELLED}
    if delivery.pk and delivery.status in terminal and facts.status not in terminal:
        status = delivery.status
    else:
        status = facts.status
    delivery.status = status
    delivery.window_start = facts.window_start or delivery.window_start
    delivery.window_end = facts.window_end or delivery.window_end
    if facts.completed_at:
        delivery.completed_at = facts.completed_at
    if facts.failure_reason:
        delivery.failure_reason = facts.failure_reason[:120]
    if facts.zone is not None:
        delivery.zone = facts.zone
    if facts.promo_code is not None:
        delivery.promo_code = facts.promo_code
    old_customer_id = delivery.customer_id
    if facts.customer is not None:
        delivery.customer = facts.customer
    delivery.on_time = _on_time(delivery)
    delivery.sync_state = {**delivery.sync_state, "dispatch": facts.at_ms}
    delivery.save()
    for customer_id in {old_customer_id, delivery.customer_id}:
        if customer_id is not None:
            if facts.customer is not None and customer_id == facts.customer.pk:
                customer = facts.customer  # locked and read in this transaction
            else:
                customer = Customer.objects.select_for_update().get(pk=customer_id)
            recompute_first_delivery(customer)
            if customer_id == delivery.customer_id:
                zone_from_deliveries(customer)
                campaign_from_promo_code(customer, delivery)
    return delivery, True


def campaign_from_promo_code(customer: Customer, delivery: Delivery) -> None:
    """An order with a campaign's code links a customer who came from no known campaign (and
    had no code) to that campaign and code. The caller holds the customer's row lock."""
    promo = delivery.promo_code
    if promo is None or customer.promo_code_id is not None:
        return
    customer.promo_code = promo
    fields = ["promo_code", "updated_at"]
    if customer.acquisition_campaign_id is None and promo.campaign_id is not None:
        customer.acquisition_campaign_id = promo.campaign_id
        fields.append("acquisition_campaign")
    customer.save(update_fields=fields)


def zone_from_deliveries(customer: Customer) -> None:
    """A customer without a zone lives where their first delivery with a zone went (dispatch
    and CRM records rarely name one). The caller holds the customer's row lock."""
    if customer.zone_id is not None:
        return
    zone_id = (
        Delivery.objects.filter(customer=customer, zone__isnull=False)
        .order_by("window_start", "created_at", "id")
        .values_list("zone_id", flat=True)
        .first()
    )
    if zone_id is not None:
        customer.zone_id = zone_id
        customer.save(update_fields=["zone", "updated_at"])


def _on_time(delivery: Delivery) -> bool | None:
    if delivery.status == Delivery.Status.FAILED:
        return False
    if delivery.status != Delivery.Status.SUCCEEDED or not delivery.completed_at:
        return None
    if delivery.window_end is None:
        return None  # no promised window: neither on time nor late (see kpis/rollups.py)
    if delivery.completed_at > delivery.window_end:
        return False
    early = delivery.window_start is not None and delivery.completed_at < delivery.window_start
    return not early or settings.KPI_EARLY_COUNTS_AS_ON_TIME


def recompute_first_delivery(customer: Customer) -> None:
    """Mark the customer's earliest (not cancelled) delivery as their first, and only it.

    The caller holds the customer's row lock, so concurrent events agree on the answer.
    """
    # One statement (it runs for every delivery event): find the first, flip only the flags
    # that are wrong. Identifiers come from the model's metadata; values are parameters.
    table = connection.ops.quote_name(Delivery._meta.db_table)
    sql = f"""
        WITH first AS (
            SELECT id FROM {table}
            WHERE customer_id = %s AND status <> %s
            ORDER BY window_start ASC, created_at ASC, id ASC
            LIMIT 1
        )
        UPDATE {table} SET is_first_for_customer = NOT is_first_for_customer
        WHERE customer_id = %s
          AND is_first_for_customer <> (id IN (SELECT id FROM first))
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [customer.pk, Delivery.Status.CANCELLED, customer.pk])


def zone_for_dispatch(
    *, zone_code: str = "", team_id: str = "", postal_code: str = ""
) -> Zone | None:
    """The zone named on the task, else the dispatch team's zone, else by postal code.

    Within an event drain the zones read are shared by its events (``events.memo``)."""
    from hub import events

    if zone_code:
        code = zone_code.strip()
        zone = events.memo(
            ("hub.zone-by-code", code.lower()), Zone.objects.filter(code__iexact=code).first
        )
        if zone:
            return zone
    if team_id:
        zone = events.memo(
            ("hub.zone-by-team", team_id), Zone.objects.filter(dispatch_team_id=team_id).first
        )
        if zone:
            return zone
    postal = postal_code.replace(" ", "").upper()
    if postal:
        zones = events.memo("hub.zones-by-postal-code", _zones_with_postal_codes)
        for zone, prefixes in zones:
            if any(p and postal.startswith(p) for p in prefixes):
                return zone
    return None


def _zones_with_postal_codes() -> list[tuple[Zone, list[str]]]:
    return [
        (zone, [p.strip().replace(" ", "").upper() for p in zone.postal_codes.split(",")])
        for zone in Zone.objects.exclude(postal_codes="")
    ]


def promo_code_named(code: str) -> PromoCode | None:
    return PromoCode.objects.filter(code__iexact=code.strip()).first() if code else None


def _ms_to_dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms else timezone.now()


# --- Drivers --------------------------------------------------------------------------------


DRIVER_SEEN_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class DriverFacts:
    dispatch_id: str
    at_ms: int
    name: str = ""
    phone: str = ""
    email: str = ""
    zone: Zone | None = None
    # None: the event says nothing of it; False: the worker was deleted in dispatch.
    active: bool | None = None
    seen_at: datetime | None = None


@transaction.atomic(savepoint=False)  # inside a caller's transaction: no savepoint
def driver_from_dispatch(facts: DriverFacts) -> tuple[Driver, bool]:
    """Create or update the driver a dispatch event names (an Onfleet worker). Idempotent and
    safe in any order: name and phone follow the newest event; an email typed by operations
    is never overwritten; dispatch deactivates a deleted worker and reactivates a recreated
    one. Returns (driver, created)."""
    seen = facts.seen_at or _ms_to_dt(facts.at_ms)
    email = normalise_email(facts.email)
    # Most events change nothing of a known driver (a busy one is named by every task): a
    # plain read says so, with no lock for the other events of that driver to queue on.
    known = unique_or_none(Driver.objects.filter(dispatch_id=facts.dispatch_id))
    if known is not None and not _driver_update(known, facts, seen, email):
        return known, False
    _lock_driver(facts.dispatch_id)
    driver = unique_or_none(
        Driver.objects.select_for_update().filter(dispatch_id=facts.dispatch_id)
    )
    if driver is None and email:
        # Entered by hand before dispatch knew them: the same address is the same driver.
        driver = (
            Driver.objects.select_for_update().filter(email=email, dispatch_id__isnull=True).first()
        )
        if driver is not None:
            driver.dispatch_id = facts.dispatch_id
    if driver is None:
        driver = Driver(dispatch_id=facts.dispatch_id, first_seen_at=seen)
    created = driver.pk is None
    if _driver_update(driver, facts, seen, email):
        driver.save()
    return driver, created


def _driver_update(driver: Driver, facts: DriverFacts, seen: datetime, email: str) -> bool:
    """Apply the event to ``driver`` in memory; whether it needs saving."""
    before = (
        driver.dispatch_id,
        driver.name,
        driver.phone,
        driver.email,
        driver.zone_id,
        driver.active,
        driver.first_seen_at,
    )
    last_seen = driver.last_seen_at
    if last_seen is None or seen > last_seen:
        driver.last_seen_at = seen
    if seen < driver.first_seen_at:
        driver.first_seen_at = seen
    if _is_newer(driver.sync_state, "dispatch", facts.at_ms):
        driver.name = facts.name[:160] or driver.name
        driver.phone = normalise_phone(facts.phone) or driver.phone
        driver.zone = facts.zone or driver.zone
        if facts.active is not None:
            driver.active = facts.active
    if email and not driver.email and not Driver.objects.filter(email=email).exists():
        driver.email = email
    after = (
        driver.dispatch_id,
        driver.name,
        driver.phone,
        driver.email,
        driver.zone_id,
        driver.active,
        driver.first_seen_at,
    )
    created = driver.pk is None
    # A busy driver is named by every task event: write only what changed, and "last seen"
    # at most every few minutes, so dispatch peaks do not queue on the driver's row.
    stale = last_seen is None or seen - last_seen >= DRIVER_SEEN_EVERY
    if created or before != after:
        driver.sync_state = {
            **driver.sync_state,
            "dispatch": max(facts.at_ms, driver.sync_state.get("dispatch") or 0),
        }
    return created or before != after or stale


def _lock_driver(dispatch_id: str) -> None:
    """Serialise, until commit, the events of one worker: two arriving together for a new
    worker would otherwise both create them. (Postgres; SQLite has one writer anyway.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"driver:{dispatch_id}"])
