"""Import past data from the CSV files Onfleet and HubSpot export.

Column names vary with the export's settings and language, so headers are matched loosely
(case, spaces and punctuation ignored) against known aliases. A row with a bad cell (a date
that cannot be, an id longer than the database holds, a cell of 200 KB) is rejected with its
reason; the other rows are imported. Rows are written in batches, each one transaction that also
records the job's progress and position, so a stopped import resumes after the last batch
written and a row is never imported twice. A runner holds the job with a lease it renews with
every batch: however long an import takes, the sweeper resumes it only once its runner is gone.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from handoffs.models import ImportJob
from hub import audit, facts
from hub.models import Customer, Delivery, User
from hub.queue import enqueue_on_commit

MAX_REJECTIONS_KEPT = 500
# No field of an export is longer than this; a longer cell is a broken or hostile file.
MAX_CELL_CHARS = 2000
# Dates outside these years are typos or epochs in the wrong unit, not deliveries.
YEARS = range(1990, 2101)

ONFLEET_COLUMNS = {
    "task_id": ["taskid", "id", "shortid", "taskshortid"],
    "window_start": ["completeafter", "completeaftertime", "startafter", "windowstart"],
    "window_end": ["completebefore", "completebeforetime", "windowend", "deadline"],
    "completed_at": [
        "completiontime",
        "taskcompletiontime",
        "completedat",
        "completiondetailstime",
        "timecompleted",
        "completed",
    ],
    "success": ["success", "didsucceed", "succeeded", "completiondetailssuccess", "result"],
    "failure_reason": ["failurereason", "completiondetailsfailurereason", "failurenotes"],
    "recipient_id": ["recipientid", "recipientsid", "recipientids"],
    "recipient_name": ["recipientname", "recipientsname", "recipientsnames", "customername"],
    "recipient_phone": ["recipientphone", "recipientsphone", "recipientsphones", "customerphone"],
    "email": ["recipientemail", "customeremail", "email"],
    "team": ["team", "teamname", "teamid", "hub"],
    "zone": ["zone"],
    "postal_code": ["postalcode", "destinationpostalcode", "zip", "zipcode"],
    "promo_code": ["promocode", "promo"],
}
HUBSPOT_COLUMNS = {
    "record_id": ["recordid", "contactid", "hsobjectid", "vid"],
    "email": ["email", "emailaddress"],
    "phone": ["phonenumber", "phone", "mobilephonenumber", "mobilephone"],
    "first_name": ["firstname"],
    "last_name": ["lastname"],
    "lifecycle_stage": ["lifecyclestage"],
    "create_date": ["createdate", "createdat", "created"],
    "acquisition_source": ["originalsource", "hsanalyticssource", "source"],
    "campaign": ["crossdockcampaign", "utmcampaign", "campaign"],
    "promo_code": ["promocode", "promo"],
}
SUCCESS_WORDS = {"true", "yes", "1", "succeeded", "success", "successful", "completed", "delivered"}
FAILURE_WORDS = {"false", "no", "0", "failed", "failure", "unsuccessful"}
DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M",
    "%a %b %d %Y %H:%M:%S",
]


class RowError(ValueError):
    pass


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _column_map(headers: list[str], aliases: dict[str, list[str]]) -> dict[str, str]:
    by_key = {_key(h): h for h in headers if h}
    found = {}
    for name, options in aliases.items():
        for option in options:
            if option in by_key:
                found[name] = by_key[option]
                break
    return found


def parse_when(value: str, tz: ZoneInfo) -> datetime | None:
    """A date/time as exports write it: ISO, epoch ms, or a common local format in ``tz``."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit() and len(value) >= 12:
        try:
            parsed = datetime.fromtimestamp(int(value) / 1000, tz=UTC)
        except (OverflowError, ValueError, OSError):
            raise RowError(f"“{short(value)}” is not a date and time we can read") from None
    else:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = _parse_local(value)
    if parsed.year not in YEARS:
        raise RowError(f"“{short(value)}” is not a plausible date (year {parsed.year})")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _check_length(value: str, limit: int, what: str) -> str:
    if len(value) > limit:
        raise RowError(f"the {what} is {len(value):,} characters long (at most {limit})")
    return value


def _parse_local(value: str) -> datetime:
    cleaned = re.sub(r"\s*\(.*\)$", "", value)  # "… GMT-0800 (Pacific Standard Time)"
    cleaned = re.sub(r"\s*GMT[+-]\d{4}$", "", cleaned)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)  # noqa: DTZ007 - made aware by the caller
        except ValueError:
            continue
    raise RowError(f"“{short(value)}” is not a date and time we can read")


@dataclass
class Summary:
    total: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def _ms(value: datetime | None) -> int:
    return int(value.timestamp() * 1000) if value else 0


# --- Onfleet tasks ----------------------------------------------------------------------------


def _onfleet_row(row: dict[str, str], cols: dict[str, str], tz: ZoneInfo) -> dict[str, Any]:
    get = lambda name: (row.get(cols[name]) or "").strip() if name in cols else ""  # noqa: E731
    task_id = _check_length(get("task_id"), 64, "task id")
    if not task_id:
        raise RowError("no task id")
    _check_length(get("recipient_id"), 64, "recipient id")
    window_start, window_end = (
        parse_when(get("window_start"), tz),
        parse_when(get("window_end"), tz),
    )
    if window_start and window_end and window_end < window_start:
        raise RowError("the window ends before it starts")
    completed_at = parse_when(get("completed_at"), tz)
    outcome = get("success").lower()
    if outcome in SUCCESS_WORDS:
        status = Delivery.Status.SUCCEEDED
    elif outcome in FAILURE_WORDS:
        status = Delivery.Status.FAILED
    elif outcome:
        raise RowError(f"“{short(get('success'))}” is neither success nor failure")
    else:
        status = Delivery.Status.SUCCEEDED if completed_at else Delivery.Status.SCHEDULED
    email = get("email").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RowError(f"“{short(email)}” is not an email address") from None
    return {
        "task_id": task_id,
        "window_start": window_start,
        "window_end": window_end,
        "completed_at": completed_at,
        "status": status,
        "failure_reason": get("failure_reason") if status == Delivery.Status.FAILED else "",
        "recipient_id": get("recipient_id"),
        "recipient_name": get("recipient_name"),
        "recipient_phone": get("recipient_phone"),
        "email": email,
        "team": get("team"),
        "zone": get("zone"),
        "postal_code": get("postal_code"),
        "promo_code": get("promo_code"),
    }


def _onfleet_write(item: dict[str, Any]) -> bool:
    existed = Delivery.objects.filter(dispatch_id=item["task_id"]).exists()
    customer = None
    if item["recipient_id"] or item["recipient_phone"] or item["email"]:
        customer = facts.customer_from_dispatch(
            dispatch_id=item["recipient_id"] or None,
            name=item["recipient_name"],
            phone=item["recipient_phone"],
            email=item["email"],
            seen_at=item["window_start"] or item["completed_at"] or timezone.now(),
        )
    zone = facts.zone_for_dispatch(
        zone_code=item["zone"] or item["team"],
        team_id=item["team"],
        postal_code=item["postal_code"],
    )
    facts.delivery_from_dispatch(
        facts.DeliveryFacts(
            dispatch_id=item["task_id"],
            # Exports are snapshots: any live event, later by definition, wins over them.
            at_ms=0,
            status=item["status"],
            window_start=item["window_start"],
            window_end=item["window_end"],
            completed_at=item["completed_at"],
            failure_reason=item["failure_reason"],
            zone=zone,
            customer=customer,
            promo_code=facts.promo_code_named(item["promo_code"]),
        )
    )
    return not existed


# --- HubSpot contacts -------------------------------------------------------------------------


def _hubspot_row(row: dict[str, str], cols: dict[str, str], tz: ZoneInfo) -> dict[str, Any]:
    get = lambda name: (row.get(cols[name]) or "").strip() if name in cols else ""  # noqa: E731
    record_id = _check_length(get("record_id"), 64, "Record ID")
    if not record_id:
        raise RowError("no Record ID")
    email = get("email").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RowError(f"“{short(email)}” is not an email address") from None
    values = {
        name: get(name)
        for name in (
            "email",
            "phone",
            "first_name",
            "last_name",
            "lifecycle_stage",
            "acquisition_source",
            "campaign",
            "promo_code",
        )
        if name in cols
    }
    return {"record_id": record_id, "values": values, "created": parse_when(get("create_date"), tz)}


def _hubspot_write(item: dict[str, Any]) -> bool:
    existed = Customer.objects.filter(crm_id=item["record_id"]).exists()
    result = facts.customer_from_crm(
        crm_id=item["record_id"], at_ms=0, values=item["values"], created_event=False
    )
    created = item["created"]
    if created and (not existed or created < result.customer.first_seen_at):
        Customer.objects.filter(pk=result.customer.pk).update(first_seen_at=created)
    return not existed


KINDS = {
    ImportJob.Kind.ONFLEET_TASKS: (ONFLEET_COLUMNS, "task_id", _onfleet_row, _onfleet_write),
    ImportJob.Kind.HUBSPOT_CONTACTS: (HUBSPOT_COLUMNS, "record_id", _hubspot_row, _hubspot_write),
}


@dataclass
class Parsed:
    """One data row: its number in the file (the header is row 1), and what it holds or why
    it is rejected."""

    number: int
    item: dict[str, Any] | None = None
    problem: str = ""


class Reader:
    """The rows of one export, parsed and checked one by one."""

    def __init__(self, kind: str, text: str):
        aliases, required, self.parse_row, self.write = KINDS[ImportJob.Kind(kind)]
        self.text = text.lstrip("\ufeff")
        try:
            headers = next(csv.reader(io.StringIO(self.text)), [])
        except csv.Error as exc:
            raise RowError(f"The first line is not a row of column names: {exc}.") from None
        self.cols = _column_map(list(headers), aliases)
        if required not in self.cols:
            expected = ", ".join(aliases[required])
            raise RowError(f"No {required.replace('_', ' ')} column: expected one of {expected}.")
        self.tz = ZoneInfo(settings.TIME_ZONE)

    def count(self) -> int:
        return sum(1 for _ in self._records())

    def _records(self) -> Iterator[dict[str | None, Any] | csv.Error]:
        """Each data row as read, or the error the CSV reader raised on it."""
        reader = csv.DictReader(io.StringIO(self.text))
        while True:
            try:
                yield next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # the reader goes on with the next line
                yield exc

    def rows(self, start: int = 0) -> Iterator[Parsed]:
        """Every data row after the first ``start``; a row the CSV reader cannot read (a cell
        over its limit) is rejected, and reading goes on with the next line."""
        for index, record in enumerate(self._records(), start=1):
            if index <= start:
                continue
            if isinstance(record, csv.Error):
                yield Parsed(index + 1, problem=f"the CSV cannot be read here: {record}")
            else:
                yield self._parse(index + 1, record)

    def _parse(self, number: int, row: dict[str | None, Any]) -> Parsed:
        for column, value in row.items():
            cells = value if isinstance(value, list) else [value or ""]
            longest = max((len(c) for c in cells), default=0)
            if longest > MAX_CELL_CHARS:
                where = f"“{short(column)}” cell" if column else "cell past the last column"
                return Parsed(
                    number,
                    problem=f"the {where} is {longest:,} characters long "
                    f"(at most {MAX_CELL_CHARS:,})",
                )
        cells_by_column = {k: v for k, v in row.items() if k is not None and isinstance(v, str)}
        try:
            return Parsed(number, item=self.parse_row(cells_by_column, self.cols, self.tz))
        except RowError as exc:
            return Parsed(number, problem=str(exc))

    def batches(self, start: int, size: int) -> Iterator[list[Parsed]]:
        batch: list[Parsed] = []
        for parsed in self.rows(start):
            batch.append(parsed)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


# What a row's own values can make the database refuse; anything else (a lost connection)
# stops the batch instead of rejecting rows one by one.
ROW_ERRORS = (DataError, IntegrityError, ValueError, OverflowError)


def _write_batch(batch: list[Parsed], write: Callable[[dict[str, Any]], bool]) -> Summary:
    """Write a batch's valid rows, inside the caller's transaction.

    All at once first; if the database refuses a row, again row by row, each in its own
    savepoint, so only the refused rows are rejected.
    """
    outcome = Summary(total=len(batch))
    outcome.rejected = [{"row": p.number, "reason": p.problem} for p in batch if p.problem]
    valid = [p for p in batch if not p.problem]
    try:
        with transaction.atomic():
            created = sum(1 for p in valid if write(p.item or {}))
        outcome.created, outcome.updated = created, len(valid) - created
        return outcome
    except ROW_ERRORS:
        pass
    for p in valid:
        try:
            with transaction.atomic():
                if write(p.item or {}):
                    outcome.created += 1
                else:
                    outcome.updated += 1
        except ROW_ERRORS as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            outcome.rejected.append({"row": p.number, "reason": f"not stored: {reason}"[:300]})
    outcome.rejected.sort(key=lambda r: r["row"])
    return outcome


def batch_rows() -> int:
    return max(1, int(getattr(settings, "CROSSDOCK_IMPORT_BATCH_ROWS", 1000)))


def run(
    kind: str, text: str, *, progress: Callable[[str, int, int], None] = lambda *_: None
) -> Summary:
    """Import ``text`` batch by batch (one transaction each). Returns the summary.

    Raises RowError, importing nothing, when the file lacks its id column.
    """
    reader = Reader(kind, text)
    summary = Summary(total=reader.count())
    done = 0
    for batch in reader.batches(0, batch_rows()):
        with transaction.atomic():
            outcome = _write_batch(batch, reader.write)
        summary.created += outcome.created
        summary.updated += outcome.updated
        summary.rejected += outcome.rejected
        done += len(batch)
        progress("importing", done, summary.total)
    return summary


# --- Jobs -------------------------------------------------------------------------------------


def import_start(*, actor: User, kind: str, filename: str, text: str) -> ImportJob:
    """Queue an import of ``text``; a worker runs it after commit."""
    from handoffs.tasks import run_import_task

    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind, filename=filename[:255], content=text, created_by=actor
        )
        audit.record(actor=actor, action="import.start", obj=job, changes={"kind": kind})
        enqueue_on_commit(run_import_task, job.pk, what=f"import {job.pk}")
    return job


def lease() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "CROSSDOCK_IMPORT_LEASE_SECONDS", 300)))


def _stale(now: datetime, stale_after: timedelta) -> Q:
    """A running import whose runner is gone: its lease ran out (or, from before leases, it
    started longer ago than ``stale_after``)."""
    return Q(status=ImportJob.Status.RUNNING) & (
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, started_at__lt=now - stale_after)
    )


def import_run(job_id: int, *, stale_after: timedelta = timedelta(minutes=30)) -> bool:
    """Claim one queued import (or one whose runner is gone) and run it from its position.

    Safe to call twice: only one caller holds the lease, and a batch commits only while its
    runner holds it, so no row is imported twice. False if someone else has it, or lost it.
    """
    now = timezone.now()
    token = uuid.uuid4()
    claimed = (
        ImportJob.objects.filter(pk=job_id)
        .filter(Q(status=ImportJob.Status.QUEUED) | _stale(now, stale_after))
        .update(
            status=ImportJob.Status.RUNNING,
            started_at=Coalesce(F("started_at"), now),
            stage="importing",
            lease_token=token,
            lease_until=now + lease(),
        )
    )
    if not claimed:
        return False
    job = ImportJob.objects.get(pk=job_id)
    try:
        reader = Reader(job.kind, job.content)
        total = job.total_rows or reader.count()
    except RowError as exc:
        _finish(job_id, token, ImportJob.Status.FAILED, error=f"Nothing was imported: {exc}")
        return True
    held = ImportJob.objects.filter(pk=job_id, lease_token=token, status=ImportJob.Status.RUNNING)
    held.update(total_rows=total, processed_rows=job.position)
    position = job.position
    try:
        for batch in reader.batches(position, batch_rows()):
            with transaction.atomic():
                outcome = _write_batch(batch, reader.write)
                kept = ImportJob.objects.get(pk=job_id).rejections
                room = MAX_REJECTIONS_KEPT - len(kept)
                position += len(batch)
                if not held.update(
                    position=position,
                    processed_rows=position,
                    created=F("created") + outcome.created,
                    updated=F("updated") + outcome.updated,
                    rejected=F("rejected") + len(outcome.rejected),
                    rejections=kept + outcome.rejected[: max(0, room)],
                    lease_until=timezone.now() + lease(),
                ):
                    # The lease ran out and another runner took the job: this batch is theirs.
                    transaction.set_rollback(True)
                    return False
    except (OperationalError, InterfaceError):
        raise  # the database is away: the lease runs out and the sweeper resumes from here
    except Exception as exc:
        row = position + 2  # the first row of the batch that failed (the header is row 1)
        _finish(
            job_id,
            token,
            ImportJob.Status.FAILED,
            error=f"Stopped at row {row}: {exc}. The {position:,} rows before it were imported; "
            "importing the file again updates those and adds the rest.",
        )
        raise
    _finish(job_id, token, ImportJob.Status.DONE)
    return True


def _finish(job_id: int, token: uuid.UUID, status: str, *, error: str = "") -> None:
    ImportJob.objects.filter(pk=job_id, lease_token=token).update(
        status=status,
        stage="",
        finished_at=timezone.now(),
        error=error[:2000],
        lease_until=None,
    )


def unfinished_imports(now: datetime, stale_after: timedelta = timedelta(minutes=30)) -> list[int]:
    """Queued imports nobody took within two minutes, and running ones whose runner is gone."""
    return list(
        ImportJob.objects.filter(
            Q(status=ImportJob.Status.QUEUED, created_at__lt=now - timedelta(minutes=2))
            | _stale(now, stale_after)
        ).values_list("id", flat=True)
    )
