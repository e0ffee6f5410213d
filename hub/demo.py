"""The demo company, SwiftDrop: a believable last-mile startup for `make run` and benchmarks.

Deterministic (seeded), idempotent (a second load is a no-op unless reset), and fast: facts are
written with bulk inserts in batches, so millions of deliveries fit in memory a batch at a time.
"""

from __future__ import annotations

import bisect
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from hub import events
from hub.models import (
    Campaign,
    Customer,
    Delivery,
    Driver,
    Event,
    Incident,
    MarketingSpend,
    Membership,
    Notification,
    PromoCode,
    Role,
    Team,
    User,
    Zone,
)

DEMO_DOMAIN = "swiftdrop.example"
DEMO_PASSWORD = "crossdock-demo"  # noqa: S105 - printed on purpose: it is the demo login
DEMO_PREFIX = "demo-"
DAYS = 90
BATCH = 5000

TEAMS = [
    ("Marketing", Team.Kind.MARKETING, "Campaigns, promo codes, acquisition."),
    ("Operations", Team.Kind.OPERATIONS, "Dispatch, drivers, zones and capacity."),
    ("Customer Support", Team.Kind.SUPPORT, "Tickets, complaints and customer feedback."),
    ("Tech", Team.Kind.TECH, "Integrations, data and the tools everyone uses."),
]

# (first, last, login, team, role)
PEOPLE = [
    ("Maya", "Chen", "maya", "Tech", Role.ADMIN),
    ("Ravi", "Patel", "ravi", "Tech", Role.MEMBER),
    ("Priya", "Nair", "priya", "Marketing", Role.MANAGER),
    ("Leo", "Martins", "leo", "Marketing", Role.MEMBER),
    ("Sofia", "Rossi", "sofia", "Marketing", Role.MEMBER),
    ("Omar", "Haddad", "omar", "Operations", Role.MANAGER),
    ("Jonas", "Weber", "jonas", "Operations", Role.MEMBER),
    ("Aisha", "Bello", "aisha", "Operations", Role.MEMBER),
    ("Carmen", "Diaz", "carmen", "Customer Support", Role.MANAGER),
    ("Tom", "Becker", "tom", "Customer Support", Role.MEMBER),
    ("Nina", "Kowalski", "nina", "Customer Support", Role.MEMBER),
    ("Elena", "Novak", "elena", "Operations", Role.MANAGER),
]

# code, name, launched days ago, on-time rate, share of deliveries
ZONES = [
    ("downtown", "Downtown", 720, 0.95, 0.5),
    ("riverside", "Riverside", 300, 0.92, 0.32),
    ("northgate", "Northgate", 35, 0.83, 0.18),
]

# key, name, channel, segment, zones, start (days ago), end (days ago), budget, daily spend,
# share of new customers, promo code, discount
CAMPAIGNS = [
    (
        "referral",
        "Refer a friend",
        Campaign.Channel.REFERRAL,
        "Existing customers",
        ["downtown", "riverside"],
        90,
        0,
        6000,
        45,
        0.22,
        "REFER5",
        5,
    ),
    (
        "search",
        "Same-day search ads",
        Campaign.Channel.SEARCH,
        "City-wide",
        ["downtown", "riverside", "northgate"],
        90,
        0,
        30000,
        260,
        0.34,
        "WELCOME10",
        10,
    ),
    (
        "instagram",
        "Riverside on Instagram",
        Campaign.Channel.SOCIAL,
        "25-40, Riverside",
        ["riverside"],
        60,
        10,
        9000,
        140,
        0.16,
        "RIVER15",
        15,
    ),
    (
        "northgate",
        "Northgate launch",
        Campaign.Channel.OFFLINE,
        "Northgate households",
        ["northgate"],
        35,
        0,
        12000,
        310,
        0.14,
        "NORTH20",
        20,
    ),
    (
        "winback",
        "Win-back email",
        Campaign.Channel.EMAIL,
        "Lapsed 60+ days",
        ["downtown", "riverside"],
        45,
        15,
        1500,
        20,
        0.04,
        "COMEBACK",
        15,
    ),
]
ORGANIC_SHARE = 0.10

FAILURE_REASONS = [
    ("Customer not home", 0.45),
    ("Address not found", 0.2),
    ("Access code wrong", 0.15),
    ("Parcel damaged", 0.1),
    ("Vehicle breakdown", 0.1),
]

FIRST_NAMES = [
    "Alex",
    "Sam",
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Riley",
    "Jamie",
    "Avery",
    "Quinn",
    "Noah",
    "Emma",
    "Liam",
    "Olivia",
    "Ava",
    "Mia",
    "Lucas",
    "Zoe",
    "Ethan",
    "Chloe",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Moore",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Lopez",
    "Hill",
    "Scott",
    "Green",
    "Adams",
]


# Apps add their own demo content (rules, KPI targets, …) with extend() in AppConfig.ready().
_extensions: list[Callable[..., None]] = []
_resets: list[Callable[..., None]] = []


def extend(loader: Callable[..., None], reset: Callable[..., None] | None = None) -> None:
    if loader not in _extensions:
        _extensions.append(loader)
        if reset is not None:
            _resets.append(reset)


@dataclass(frozen=True)
class DemoResult:
    created: bool
    users: int = 0
    customers: int = 0
    deliveries: int = 0


def demo_loaded() -> bool:
    return User.objects.filter(email=f"maya@{DEMO_DOMAIN}").exists()


def demo_logins() -> list[tuple[str, str, str]]:
    """(email, password, what they can do) for the printed sign-in hint."""
    return [
        (f"maya@{DEMO_DOMAIN}", DEMO_PASSWORD, "admin (Tech)"),
        (f"priya@{DEMO_DOMAIN}", DEMO_PASSWORD, "manager (Marketing)"),
        (f"jonas@{DEMO_DOMAIN}", DEMO_PASSWORD, "member (Operations)"),
    ]


def reset() -> None:
    """Delete the demo company's rows (and only those)."""
    with transaction.atomic():
        for reset_extension in reversed(_resets):
            reset_extension(domain=DEMO_DOMAIN)
        Delivery.objects.filter(dispatch_id__startswith=DEMO_PREFIX).delete()
        Driver.objects.filter(dispatch_id__startswith=DEMO_PREFIX).delete()
        Incident.objects.filter(title__startswith="[demo]").delete()
        Customer.objects.filter(crm_id__startswith=DEMO_PREFIX).delete()
        MarketingSpend.objects.filter(campaign__external_id__startswith=DEMO_PREFIX).delete()
        PromoCode.objects.filter(campaign__external_id__startswith=DEMO_PREFIX).delete()
        Campaign.objects.filter(external_id__startswith=DEMO_PREFIX).delete()
        User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").delete()
        Team.objects.filter(name__in=[t[0] for t in TEAMS], memberships__isnull=True).delete()
        Zone.objects.filter(code__in=[z[0] for z in ZONES]).delete()


def load(
    *,
    deliveries: int = 30000,
    seed: int = 7,
    now: datetime | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> DemoResult:
    """Build SwiftDrop once. Returns created=False, changing nothing, if it is already there."""
    if demo_loaded():
        return DemoResult(created=False)
    now = now or timezone.now()
    rng = random.Random(seed)
    today = now.date()
    start = today - timedelta(days=DAYS - 1)

    with transaction.atomic():
        teams = _teams()
        users = _people(teams)
        zones = _zones(today)
        campaigns, codes = _campaigns(today, zones, teams)
        _spend(campaigns, today, rng)
    progress(f"{len(users)} people in {len(teams)} teams, {len(campaigns)} campaigns")

    customer_rows = _customers(rng, deliveries, start, today, zones, campaigns, codes)
    progress(f"{len(customer_rows)} customers")
    delivered = _deliveries(rng, deliveries, customer_rows, start, today, now, zones, progress)
    with transaction.atomic():
        _incidents(rng, campaigns, zones, teams, users, start)
        _welcome(users)
    for loader in _extensions:
        loader(now=now, rng=rng, users={u.username: u for u in users}, teams=teams)
        progress(f"demo content: {loader.__module__}")
    processed = _process_recorded_events()
    progress(f"{processed} events the modules recorded, processed as the worker would")
    return DemoResult(
        created=True, users=len(users), customers=len(customer_rows), deliveries=delivered
    )


def _process_recorded_events() -> int:
    """Events the modules' demo content recorded go through the worker's own processing now, so
    the demo starts with its event log, rule runs and handoffs complete (no worker needed)."""
    ids = list(
        Event.objects.filter(status=Event.Status.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for event_id in ids:
        events.process(event_id)
    return len(ids)


def _teams() -> dict[str, Team]:
    teams = {}
    for name, kind, description in TEAMS:
        team, _ = Team.objects.get_or_create(
            name=name,
            defaults={
                "slug": name.lower().replace(" ", "-"),
                "kind": kind,
                "description": description,
            },
        )
        teams[name] = team
    return teams


def _people(teams: dict[str, Team]) -> list[User]:
    users = []
    for first, last, login, team_name, role in PEOPLE:
        user = User(
            username=login,
            email=f"{login}@{DEMO_DOMAIN}",
            first_name=first,
            last_name=last,
            is_staff=role == Role.ADMIN,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        Membership.objects.create(user=user, team=teams[team_name], role=role)
        users.append(user)
    # Elena runs the monthly review: a manager who sits in every function's room.
    elena = users[-1]
    for name in ("Marketing", "Customer Support"):
        Membership.objects.create(user=elena, team=teams[name], role=Role.MANAGER)
    return users


def _zones(today: date) -> dict[str, Zone]:
    return {
        code: Zone.objects.create(code=code, name=name, launched_on=today - timedelta(days=ago))
        for code, name, ago, _rate, _share in ZONES
    }


def _campaigns(today: date, zones: dict[str, Zone], teams: dict[str, Team]):
    campaigns, codes = {}, {}
    for key, name, channel, segment, zone_codes, start_ago, end_ago, budget, *_rest in CAMPAIGNS:
        code, discount = str(_rest[2]), int(str(_rest[3]))
        ends_on = today - timedelta(days=end_ago)
        campaign = Campaign.objects.create(
            name=name,
            external_id=f"{DEMO_PREFIX}{key}",
            channel=channel,
            segment=segment,
            starts_on=today - timedelta(days=start_ago),
            ends_on=ends_on,
            status=Campaign.Status.ENDED if end_ago > 0 else Campaign.Status.LIVE,
            budget=Decimal(budget),
            owner_team=teams["Marketing"],
        )
        campaign.zones.set([zones[z] for z in zone_codes])
        campaigns[key] = campaign
        codes[key] = PromoCode.objects.create(
            code=code,
            campaign=campaign,
            discount_percent=discount,
            valid_from=campaign.starts_on,
            valid_until=ends_on + timedelta(days=14),
        )
    return campaigns, codes


def _spend(campaigns: dict[str, Campaign], today: date, rng: random.Random) -> None:
    rows = []
    for key, *_x, daily, _share, _code, _discount in CAMPAIGNS:
        campaign = campaigns[key]
        if campaign.starts_on is None or campaign.ends_on is None:
            continue
        day: date = campaign.starts_on
        while day <= min(campaign.ends_on, today):
            weekend = 0.7 if day.weekday() >= 5 else 1.0
            amount = Decimal(daily * weekend * rng.uniform(0.75, 1.25)).quantize(Decimal("0.01"))
            rows.append(MarketingSpend(campaign=campaign, day=day, amount=amount))
            day += timedelta(days=1)
    MarketingSpend.objects.bulk_create(rows, batch_size=BATCH)


@dataclass
class _CustomerRow:
    pk: int
    first_day: int  # days since the window's start; negative: a customer from before
    zone_code: str
    promo_id: int | None
    is_new: bool


def _pick_zone(rng: random.Random) -> tuple:
    return rng.choices(ZONES, weights=[z[4] for z in ZONES])[0]


def _customers(rng, deliveries, start, today, zones, campaigns, codes) -> list[_CustomerRow]:
    """About one customer per five deliveries; 45% of them new within the window."""
    total = max(10, deliveries // 5)
    existing = int(total * 0.55)
    shares = [(key, c[9]) for key, c in zip(campaigns, CAMPAIGNS, strict=True)]
    campaign_zones = {c[0]: c[4] for c in CAMPAIGNS}
    rows: list[_CustomerRow] = []
    alphabet = string.ascii_lowercase
    for offset in range(0, total, BATCH):
        batch, meta = [], []
        for i in range(offset, min(total, offset + BATCH)):
            is_new = i >= existing
            zone = _pick_zone(rng)
            first_day = rng.randrange(0, DAYS) if is_new else -rng.randrange(1, 400)
            if is_new and zone[0] == "northgate":
                first_day = max(first_day, DAYS - zone[2])  # nobody there before launch
            campaign = promo = None
            source = "organic"
            if is_new and rng.random() > ORGANIC_SHARE:
                live = [
                    (k, s)
                    for k, s in shares
                    if campaigns[k].starts_on
                    <= start + timedelta(days=first_day)
                    <= campaigns[k].ends_on
                    and zone[0] in campaign_zones[k]
                ]
                if live:
                    key = rng.choices([k for k, _ in live], weights=[s for _, s in live])[0]
                    campaign, source = campaigns[key], campaigns[key].channel
                    if rng.random() < 0.6:
                        promo = codes[key]
            first = rng.choice(FIRST_NAMES)
            last = rng.choice(LAST_NAMES)
            handle = "".join(rng.choices(alphabet, k=5))
            seen = datetime.combine(
                start + timedelta(days=first_day), time(rng.randrange(7, 22)), tzinfo=UTC
            )
            batch.append(
                Customer(
                    name=f"{first} {last}",
                    email=f"{first}.{last}.{handle}{i}@mail.example".lower(),
                    phone=f"+1555{i:07d}",
                    crm_id=f"{DEMO_PREFIX}{i}",
                    dispatch_id=f"{DEMO_PREFIX}r{i}",
                    first_seen_at=seen,
                    lifecycle_stage="customer",
                    acquisition_source=source,
                    acquisition_campaign=campaign,
                    promo_code=promo,
                    zone=zones[zone[0]],
                )
            )
            meta.append((first_day, zone[0], promo.pk if promo else None, is_new))
        created = Customer.objects.bulk_create(batch, batch_size=BATCH)
        for customer, (first_day, zone_code, promo_id, is_new) in zip(created, meta, strict=True):
            rows.append(_CustomerRow(customer.pk, first_day, zone_code, promo_id, is_new))
    rows.sort(key=lambda r: r.first_day)
    return rows


def _deliveries(rng, total, customers, start, today, now, zones, progress) -> int:
    """First deliveries of new customers on their first day, the rest spread over 90 days."""
    first_days = [c.first_day for c in customers]
    rates = {code: rate for code, _n, _a, rate, _s in ZONES}
    zone_pk = {code: z.pk for code, z in zones.items()}

    def plan() -> Iterator[tuple[_CustomerRow, int, bool]]:
        # About one new contact in five stays a lead: in the CRM, never ordered.
        firsts = [c for c in customers if c.is_new and c.pk % 5]
        for c in firsts:
            yield c, c.first_day, True
        while True:
            day = rng.randrange(0, DAYS)
            eligible = bisect.bisect_right(first_days, day)
            if eligible == 0:
                continue
            c = customers[rng.randrange(eligible)]
            if c.is_new and (day <= c.first_day or not c.pk % 5):
                continue  # a new customer's later orders come after their first
            yield c, day, False

    made, batch = 0, []  # type: tuple[int, list[Delivery]]
    for n, (customer, day, first) in enumerate(plan()):
        if made + len(batch) >= total:
            break
        batch.append(_delivery(rng, n, customer, day, first, start, now, rates, zone_pk))
        if len(batch) >= BATCH:
            Delivery.objects.bulk_create(batch, batch_size=BATCH)
            made += len(batch)
            batch = []
            if made % 100000 == 0:
                progress(f"{made} deliveries")
    if batch:
        Delivery.objects.bulk_create(batch, batch_size=BATCH)
        made += len(batch)
    progress(f"{made} deliveries")
    return made


def _delivery(rng, n, customer, day, first, start, now, rates, zone_pk) -> Delivery:
    hour = rng.choice([8, 10, 12, 14, 16, 18])
    window_start = datetime.combine(start + timedelta(days=day), time(hour), tzinfo=UTC)
    window_end = window_start + timedelta(hours=2)
    rate = rates[customer.zone_code] - (0.04 if first else 0.0)
    dispatch_id = f"{DEMO_PREFIX}{n:09d}"
    if window_start > now:
        return Delivery(
            dispatch_id=dispatch_id,
            customer_id=customer.pk,
            zone_id=zone_pk[customer.zone_code],
            window_start=window_start,
            window_end=window_end,
            is_first_for_customer=first,
            promo_code_id=customer.promo_id if first else None,
        )
    failed = rng.random() < 0.03 + (0.02 if customer.zone_code == "northgate" else 0)
    on_time = rng.random() < rate
    if on_time:
        completed = window_start + timedelta(minutes=rng.randrange(5, 118))
    else:
        completed = window_end + timedelta(minutes=rng.randrange(5, 95))
    reason = ""
    if failed:
        reason = rng.choices(
            [r for r, _ in FAILURE_REASONS], weights=[w for _, w in FAILURE_REASONS]
        )[0]
    return Delivery(
        dispatch_id=dispatch_id,
        customer_id=customer.pk,
        zone_id=zone_pk[customer.zone_code],
        window_start=window_start,
        window_end=window_end,
        completed_at=completed,
        status=Delivery.Status.FAILED if failed else Delivery.Status.SUCCEEDED,
        failure_reason=reason,
        on_time=False if failed else on_time,
        is_first_for_customer=first,
        promo_code_id=customer.promo_id if first else None,
    )


def _incidents(rng, campaigns, zones, teams, users, start) -> None:
    errors = [
        ("Promo NORTH20 shown to Downtown customers", "northgate", "northgate"),
        ("Same-day ads ran in Northgate before capacity was confirmed", "search", "northgate"),
        ("Win-back email sent to active customers", "winback", None),
        ("RIVER15 code expired a week early in checkout", "instagram", "riverside"),
        ("Referral credit not applied at checkout", "referral", None),
        ("Northgate flyer promised 1-hour delivery", "northgate", "northgate"),
    ]
    descriptions = [
        "Checkout accepted the code outside its zone; support refunded 40 orders by hand.",
        "Ops had two drivers on shift; 120 same-day orders arrived in the first hour.",
        "The segment filter was inverted: 3,100 active customers got a 'we miss you' email.",
        "The end date was typed as the 1st instead of the 8th; customers complained on social.",
        "The referral service was not told the campaign went live; credits were added a week late.",
        "Print used last year's copy; drivers had no idea and customers expected 1-hour slots.",
    ]
    rows = []
    for i, (title, campaign_key, zone_code) in enumerate(errors):
        rows.append(
            Incident(
                kind=Incident.Kind.CAMPAIGN_ERROR,
                title=f"[demo] {title}",
                description=descriptions[i],
                occurred_at=datetime.combine(
                    start + timedelta(days=8 + i * 14), time(11), tzinfo=UTC
                ),
                campaign=campaigns[campaign_key],
                zone=zones.get(zone_code) if zone_code else None,
                team=teams["Marketing"],
                communication_error=True,
                reported_by=users[8],
            )
        )
    complaints = [
        "Late delivery",
        "Driver did not know about promo",
        "Parcel left outside",
        "Charged full price despite code",
        "No update on failed delivery",
    ]
    for _ in range(60):
        title = rng.choice(complaints)
        rows.append(
            Incident(
                kind=Incident.Kind.COMPLAINT,
                title=f"[demo] {title}",
                occurred_at=datetime.combine(
                    start + timedelta(days=rng.randrange(DAYS)),
                    time(rng.randrange(8, 20)),
                    tzinfo=UTC,
                ),
                zone=rng.choice(list(zones.values())),
                team=teams["Customer Support"],
                communication_error="promo" in title.lower() or "code" in title.lower(),
                reported_by=rng.choice(users[8:11]),
            )
        )
    Incident.objects.bulk_create(rows)


def _welcome(users: list[User]) -> None:
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            title="Welcome to Crossdock",
            body="This is SwiftDrop's demo company: 90 days of deliveries, campaigns and "
            "complaints, shared by every team.",
            url="/",
        )
        for user in users
    )
