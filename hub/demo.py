"""The demo company, SwiftDrop: a believable last-mile startup for `make run` and benchmarks.

Deterministic (seeded), idempotent (a second load is a no-op unless reset), and fast: customers
and deliveries are streamed (COPY on Postgres, bulk inserts in batches elsewhere), so memory
stays flat at millions of deliveries.
"""

from __future__ import annotations

import random
import string
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
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
from hub.queue import run_here

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

    customers, delivered = _facts(rng, deliveries, start, now, zones, campaigns, codes, progress)
    with transaction.atomic():
        _incidents(rng, campaigns, zones, teams, users, start)
        _welcome(users)
    # Messages the history leaves due now (reminders, blocker emails) are sent here, as a drain
    # sends them, not by the first worker to start after `make run` says it is ready.
    with run_here():
        for loader in _extensions:
            loader(now=now, rng=rng, users={u.username: u for u in users}, teams=teams)
            progress(f"demo content: {loader.__module__}")
        processed = _process_recorded_events()
    progress(f"{processed} events the modules recorded, processed as the worker would")
    return DemoResult(created=True, users=len(users), customers=customers, deliveries=delivered)


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
    # One hash for everyone: the password is public (printed), and each hash costs ~0.5 s CPU.
    password = make_password(DEMO_PASSWORD)
    for first, last, login, team_name, role in PEOPLE:
        user = User(
            username=login,
            email=f"{login}@{DEMO_DOMAIN}",
            first_name=first,
            last_name=last,
            is_staff=role == Role.ADMIN,
            password=password,
        )
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


# --- Customers and deliveries: streamed, never held in memory --------------------------------
#
# Both are generated row by row from the one seeded Random (same seed, same company) and
# written in a single pass: COPY on Postgres, bulk inserts in batches elsewhere (SQLite, the
# `make run` default). Memory stays flat whatever the size: per customer the loader keeps only
# the few numbers later deliveries need (first day, zone, promo code) in compact arrays.

CUSTOMER_COLUMNS = (
    "id",
    "name",
    "email",
    "phone",
    "crm_id",
    "dispatch_id",
    "first_seen_at",
    "lifecycle_stage",
    "acquisition_source",
    "acquisition_campaign_id",
    "promo_code_id",
    "zone_id",
)
DELIVERY_COLUMNS = (
    "dispatch_id",
    "customer_id",
    "zone_id",
    "window_start",
    "window_end",
    "completed_at",
    "status",
    "failure_reason",
    "on_time",
    "is_first_for_customer",
    "promo_code_id",
)
# From this many deliveries on, Postgres builds the facts tables' secondary indexes and checks
# their foreign keys once after the load instead of row by row (same transaction, restored
# exactly as the migrations made them): for millions of rows that is several times faster.
DEFER_INDEXES_FROM = 200_000
HOURS = [8, 10, 12, 14, 16, 18]
ZONE_CUM_WEIGHTS = list(accumulate(z[4] for z in ZONES))
REASONS = [r for r, _ in FAILURE_REASONS]
REASON_CUM_WEIGHTS = list(accumulate(w for _, w in FAILURE_REASONS))
MINUTES = [timedelta(minutes=m) for m in range(120)]
TWO_HOURS = timedelta(hours=2)


class _Customers:
    """What deliveries need to know of each customer, by index (pk = base + index)."""

    def __init__(self, base: int, total: int) -> None:
        self.base = base
        self.total = total
        self.existing = int(total * 0.55)  # the rest are new within the window
        self.first_day = array("h")  # days since the window's start; negative: from before
        self.zone = array("b")  # index into ZONES
        self.promo = array("q")  # promo code pk, 0 for none

    def is_new(self, i: int) -> bool:
        return i >= self.existing

    @staticmethod
    def is_lead(i: int) -> bool:
        # About one new contact in five stays a lead: in the CRM, never ordered.
        return not i % 5


def _facts(rng, deliveries, start, now, zones, campaigns, codes, progress) -> tuple[int, int]:
    """Write the customers, then the deliveries. Returns (customers, deliveries)."""
    total = max(10, deliveries // 5)  # about one customer per five deliveries
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        base = _reserve_ids(Customer, total)
        customers = _Customers(base, total)
        tables = [Customer._meta.db_table, Delivery._meta.db_table]
        with _deferred_indexes(tables, postgres and deliveries >= DEFER_INDEXES_FROM, progress):
            _write(
                Customer,
                CUSTOMER_COLUMNS,
                _customer_rows(rng, customers, start, zones, campaigns, codes),
                now,
            )
            progress(f"{total} customers")
            made = _write(
                Delivery,
                DELIVERY_COLUMNS,
                _counted(_delivery_rows(rng, deliveries, customers, start, now, zones), progress),
                now,
            )
        _restart_ids(Customer)
    if postgres:
        # Fresh planner statistics before anything reads the new rows (the KPI rollups next).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")
    progress(f"{made} deliveries")
    return total, made


def _counted(rows: Iterator[tuple], progress: Callable[[str], None]) -> Iterator[tuple]:
    for n, row in enumerate(rows, 1):
        yield row
        if n % 1_000_000 == 0:
            progress(f"{n} deliveries")


def _reserve_ids(model, count: int) -> int:
    """The first of `count` consecutive free primary keys; the table stays locked on Postgres
    until the transaction ends, so nothing else takes them."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608 - a model's own table
        (highest,) = cursor.fetchone()
    return (highest or 0) + 1


def _restart_ids(model) -> None:
    """After rows were written with explicit keys, the sequence continues past them."""
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest key by itself
    table = model._meta.db_table
    highest = f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f"GREATEST(({highest}), nextval(pg_get_serial_sequence(%s, 'id'))))",
            [table, table],
        )


# COPY's text format (PostgreSQL manual, COPY, "Text Format"): one line per row, columns
# separated by tabs, \N for NULL, backslash escapes for a backslash, tab, newline or carriage
# return inside a value. Writing the lines directly costs a fifth of adapting every value: the
# datetimes come from a few thousand distinct moments, each formatted once.
COPY_NULL = "\\N"
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _CopyText:
    def __init__(self) -> None:
        self.moments: dict[datetime, str] = {}

    def moment(self, value: datetime | None) -> str:
        if value is None:
            return COPY_NULL
        text = self.moments.get(value)
        if text is None:
            text = self.moments[value] = value.isoformat()
        return text

    @staticmethod
    def text(value: str) -> str:
        return value.translate(COPY_ESCAPES)

    @staticmethod
    def number(value: int | None) -> str:
        return COPY_NULL if value is None else str(value)

    @staticmethod
    def flag(value: bool | None) -> str:
        return COPY_NULL if value is None else ("t" if value else "f")

    def customer(self, row: tuple) -> str:
        pk, name, email, phone, crm_id, dispatch_id, seen, stage, source, campaign, promo, zone = (
            row
        )
        text, number = self.text, self.number
        return (
            f"{pk}\t{text(name)}\t{text(email)}\t{text(phone)}\t{text(crm_id)}\t"
            f"{text(dispatch_id)}\t{self.moment(seen)}\t{text(stage)}\t{text(source)}\t"
            f"{number(campaign)}\t{number(promo)}\t{number(zone)}"
        )

    def delivery(self, row: tuple) -> str:
        dispatch_id, customer, zone, start, end, done, status, reason, on_time, first, promo = row
        moment, number = self.moment, self.number
        return (
            f"{self.text(dispatch_id)}\t{number(customer)}\t{number(zone)}\t{moment(start)}\t"
            f"{moment(end)}\t{moment(done)}\t{self.text(status)}\t{self.text(reason)}\t"
            f"{self.flag(on_time)}\t{self.flag(first)}\t{number(promo)}"
        )


def _write(model, columns: tuple[str, ...], rows: Iterator[tuple], now: datetime) -> int:
    """Insert the rows (tuples in `columns` order; created/updated at `now`). Returns how many."""
    written = 0
    if connection.vendor == "postgresql":
        names = ", ".join((*columns, "created_at", "updated_at", "sync_state"))
        formats = _CopyText()
        line = {Customer: formats.customer, Delivery: formats.delivery}[model]
        tail = f"\t{formats.moment(now)}\t{formats.moment(now)}\t{{}}\n"
        sql = f"COPY {model._meta.db_table} ({names}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            lines = []
            for row in rows:
                lines.append(line(row) + tail)
                if len(lines) == BATCH:
                    copy.write("".join(lines))
                    written += BATCH
                    lines = []
            copy.write("".join(lines))
        return written + len(lines)
    batch = []
    for row in rows:
        batch.append(model(**dict(zip(columns, row, strict=True)), created_at=now))
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    model.objects.bulk_create(batch)
    return written + len(batch)


@contextmanager
def _deferred_indexes(tables: list[str], defer: bool, progress: Callable[[str], None]):
    """Postgres, inside the load's transaction: drop the tables' non-unique secondary indexes
    and their foreign keys, and on the way out recreate each from its own definition
    (`pg_get_indexdef`, `pg_get_constraintdef`) under its own name, so the schema ends exactly
    as the migrations left it. Building an index once is far cheaper than inserting millions
    of rows into it in random order; re-adding a foreign key checks every row in one join. On
    any error the transaction rolls back, indexes and constraints included."""
    if not defer:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])
            ORDER BY c.conname
            """,
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        # Rows written earlier in the same transaction (an outer one: tests, a caller's atomic)
        # may still owe their deferred foreign-key checks; Postgres refuses to alter a table
        # with such pending checks, so run them now. Django's foreign keys are all DEFERRABLE
        # INITIALLY DEFERRED: the mode is set back to that on the way out.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        progress(f"{len(indexes)} indexes built")
        for table, name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        progress(f"{len(foreign_keys)} foreign keys checked")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _customer_rows(rng, customers: _Customers, start, zones, campaigns, codes) -> Iterator[tuple]:
    """About one customer per five deliveries; 45% of them new within the window."""
    shares = {key: c[9] for key, c in zip(campaigns, CAMPAIGNS, strict=True)}
    campaign_zones = {c[0]: c[4] for c in CAMPAIGNS}
    zone_index = {z[0]: n for n, z in enumerate(ZONES)}
    zone_pk = [zones[z[0]].pk for z in ZONES]
    alphabet = string.ascii_lowercase
    seen_at = _moments(start)
    live_cache: dict[tuple[int, str], tuple[list[str], list[float]]] = {}

    def live(first_day: int, zone_code: str) -> tuple[list[str], list[float]]:
        key = (first_day, zone_code)
        if key not in live_cache:
            day = start + timedelta(days=first_day)
            keys = [
                k
                for k in shares
                if campaigns[k].starts_on <= day <= campaigns[k].ends_on
                and zone_code in campaign_zones[k]
            ]
            live_cache[key] = (keys, list(accumulate(shares[k] for k in keys)))
        return live_cache[key]

    prefix = DEMO_PREFIX
    for i in range(customers.total):
        is_new = customers.is_new(i)
        zone = rng.choices(ZONES, cum_weights=ZONE_CUM_WEIGHTS)[0]
        first_day = rng.randrange(0, DAYS) if is_new else -rng.randrange(1, 400)
        if is_new and zone[0] == "northgate":
            first_day = max(first_day, DAYS - zone[2])  # nobody there before launch
        campaign_id = promo_id = None
        source = "organic"
        if is_new and rng.random() > ORGANIC_SHARE:
            keys, cum_weights = live(first_day, zone[0])
            if keys:
                key = rng.choices(keys, cum_weights=cum_weights)[0]
                campaign_id, source = campaigns[key].pk, campaigns[key].channel
                if rng.random() < 0.6:
                    promo_id = codes[key].pk
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        handle = "".join(rng.choices(alphabet, k=5))
        z = zone_index[zone[0]]
        customers.first_day.append(first_day)
        customers.zone.append(z)
        customers.promo.append(promo_id or 0)
        yield (
            customers.base + i,
            f"{first} {last}",
            f"{first}.{last}.{handle}{i}@mail.example".lower(),
            f"+1555{i:07d}",
            f"{prefix}{i}",
            f"{prefix}r{i}",
            seen_at(first_day, rng.randrange(7, 22)),
            "customer",
            source,
            campaign_id,
            promo_id,
            zone_pk[z],
        )


def _moments(start: date) -> Callable[[int, int], datetime]:
    """(day since start, hour) -> aware datetime, cached: there are only a few hundred."""
    cache: dict[tuple[int, int], datetime] = {}

    def moment(day: int, hour: int) -> datetime:
        key = (day, hour)
        if key not in cache:
            cache[key] = datetime.combine(start + timedelta(days=day), time(hour), tzinfo=UTC)
        return cache[key]

    return moment


def _delivery_rows(rng, total, customers: _Customers, start, now, zones) -> Iterator[tuple]:
    """First deliveries of new customers on their first day, the rest spread over 90 days."""
    first_day = customers.first_day
    # Customers in order of their first day (a stable counting sort), and how many of them had
    # come by each day of the window.
    counts = Counter(first_day)
    slot, position = {}, 0
    for day in sorted(counts):
        slot[day] = position
        position += counts[day]
    order = array("q", bytes(8 * len(first_day)))
    for i, day in enumerate(first_day):
        order[slot[day]] = i
        slot[day] += 1
    eligible, running = [], sum(n for day, n in counts.items() if day < 0)
    for day in range(DAYS):
        running += counts.get(day, 0)
        eligible.append(running)

    def plan() -> Iterator[tuple[int, int, bool]]:
        for i in order:
            if customers.is_new(i) and not customers.is_lead(i):
                yield i, first_day[i], True
        existing = customers.existing
        randrange = rng.randrange
        while True:
            day = randrange(0, DAYS)
            count = eligible[day]
            if count == 0:
                continue
            i = order[randrange(count)]
            if i >= existing and (day <= first_day[i] or not i % 5):
                continue  # a new customer's later orders come after their first
            yield i, day, False

    rates = [z[3] for z in ZONES]
    failure = [0.03 + (0.02 if z[0] == "northgate" else 0) for z in ZONES]
    zone_pk = [zones[z[0]].pk for z in ZONES]
    window = _moments(start)
    base, zone_of, promo_of = customers.base, customers.zone, customers.promo
    random, randrange, choice, choices = rng.random, rng.randrange, rng.choice, rng.choices
    prefix = DEMO_PREFIX
    succeeded, failed_status = Delivery.Status.SUCCEEDED.value, Delivery.Status.FAILED.value
    scheduled = Delivery.Status.SCHEDULED.value
    for n, (i, day, first) in enumerate(plan()):
        if n >= total:
            return
        z = zone_of[i]
        window_start = window(day, choice(HOURS))
        window_end = window_start + TWO_HOURS
        promo = (promo_of[i] or None) if first else None
        dispatch_id = f"{prefix}{n:09d}"
        if window_start > now:  # still to come: no outcome yet, and no draws for one
            completed, status, reason, on_time = None, scheduled, "", None
        else:
            failed = random() < failure[z]
            on_time = random() < rates[z] - (0.04 if first else 0.0)
            if on_time:
                completed = window_start + MINUTES[randrange(5, 118)]
            else:
                completed = window_end + MINUTES[randrange(5, 95)]
            status = failed_status if failed else succeeded
            reason = choices(REASONS, cum_weights=REASON_CUM_WEIGHTS)[0] if failed else ""
            on_time = False if failed else on_time
        yield (
            dispatch_id,
            base + i,
            zone_pk[z],
            window_start,
            window_end,
            completed,
            status,
            reason,
            on_time,
            first,
            promo,
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
