"""Import past data from the CSV files Onfleet and HubSpot export.

Column names vary with the export's settings and language, so headers are matched loosely
(case, spaces and punctuation ignored) against known aliases. An import checks every row first
(progress is saved as it goes), then writes all valid rows in one transaction: a crash leaves
nothing half-imported, and the summary says which rows were rejected and why.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from handoffs.models import ImportJob
from hub import audit, facts
from hub.models import Customer, Delivery, User
from hub.queue import enqueue_on_commit

MAX_REJECTIONS_KEPT = 500
PROGRESS_EVERY = 200

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
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = _parse_local(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _parse_local(value: str) -> datetime:
    cleaned = re.sub(r"\s*\(.*\)$", "", value)  # "… GMT-0800 (Pacific Standard Time)"
    cleaned = re.sub(r"\s*GMT[+-]\d{4}$", "", cleaned)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)  # noqa: DTZ007 - made aware by the caller
        except ValueError:
            continue
    raise RowError(f"“{value}” is not a date and time we can read")


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
    task_id = get("task_id")
    if not task_id:
        raise RowError("no task id")
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
        raise RowError(f"“{get('success')}” is neither success nor failure")
    else:
        status = Delivery.Status.SUCCEEDED if completed_at else Delivery.Status.SCHEDULED
    email = get("email").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RowError(f"“{email}” is not an email address") from None
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
    record_id = get("record_id")
    if not record_id:
        raise RowError("no Record ID")
    email = get("email").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RowError(f"“{email}” is not an email address") from None
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


def run(
    kind: str, text: str, *, progress: Callable[[str, int, int], None] = lambda *_: None
) -> Summary:
    """Check every row, then write the valid ones in one transaction. Returns the summary."""
    aliases, required, parse_row, write = KINDS[ImportJob.Kind(kind)]
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = reader.fieldnames or []
    cols = _column_map(list(headers), aliases)
    if required not in cols:
        expected = ", ".join(aliases[required])
        raise RowError(f"No {required.replace('_', ' ')} column: expected one of {expected}.")
    tz = ZoneInfo(settings.TIME_ZONE)
    rows = list(reader)
    summary = Summary(total=len(rows))
    valid: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            valid.append(parse_row(row, cols, tz))
        except RowError as exc:
            summary.rejected.append({"row": number, "reason": str(exc)})
        if number % PROGRESS_EVERY == 0:
            progress("checking", number - 1, summary.total)
    progress("writing", summary.total, summary.total)
    with transaction.atomic():
        for item in valid:
            if write(item):
                summary.created += 1
            else:
                summary.updated += 1
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


def import_run(job_id: int, *, stale_after: timedelta = timedelta(minutes=30)) -> bool:
    """Claim and run one queued import. Safe to call twice: only one caller claims it."""
    now = timezone.now()
    claimed = (
        ImportJob.objects.filter(pk=job_id)
        .filter(
            Q(status=ImportJob.Status.QUEUED)
            | Q(status=ImportJob.Status.RUNNING, started_at__lt=now - stale_after)
        )
        .update(status=ImportJob.Status.RUNNING, started_at=now, stage="checking")
    )
    if not claimed:
        return False
    job = ImportJob.objects.get(pk=job_id)

    def progress(stage: str, done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(
            stage=stage, processed_rows=done, total_rows=total
        )

    try:
        summary = run(job.kind, job.content, progress=progress)
    except RowError as exc:
        _finish(job_id, ImportJob.Status.FAILED, error=str(exc))
        return True
    except Exception as exc:
        _finish(job_id, ImportJob.Status.FAILED, error=f"Nothing was imported: {exc}")
        raise
    _finish(job_id, ImportJob.Status.DONE, summary=summary)
    return True


def _finish(job_id: int, status: str, *, summary: Summary | None = None, error: str = "") -> None:
    fields: dict[str, Any] = {
        "status": status,
        "stage": "",
        "finished_at": timezone.now(),
        "error": error[:2000],
    }
    if summary is not None:
        fields.update(
            total_rows=summary.total,
            processed_rows=summary.total,
            created=summary.created,
            updated=summary.updated,
            rejected=len(summary.rejected),
            rejections=summary.rejected[:MAX_REJECTIONS_KEPT],
        )
    ImportJob.objects.filter(pk=job_id).update(**fields)


def unfinished_imports(now: datetime, stale_after: timedelta = timedelta(minutes=30)) -> list[int]:
    """Queued imports nobody took within two minutes, and running ones gone stale."""
    return list(
        ImportJob.objects.filter(
            Q(status=ImportJob.Status.QUEUED, created_at__lt=now - timedelta(minutes=2))
            | Q(status=ImportJob.Status.RUNNING, started_at__lt=now - stale_after)
        ).values_list("id", flat=True)
    )
