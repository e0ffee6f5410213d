"""The outbox: every outbound message is an Alert row before it is a request.

An alert is claimed with a conditional UPDATE before anything is sent, so a task that runs
twice sends once; attempts are recorded one row each; failures back off with jitter, honour
Retry-After, and fall back to the channel's fallback channel when exhausted. Team channels
keep quiet hours and daily digests, and paced channels (Slack) fold bursts into one digest.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from handoffs.channels import ChannelError, Message, sender_for
from handoffs.models import Alert, AlertAttempt, Channel, Handoff, TeamAlertSettings
from handoffs.services.acks import ack_url
from hub import audit, events
from hub.errors import DomainError
from hub.models import Notification, Team, User
from hub.queue import enqueue_on_commit, here_on_commit, publish, runs_here
from hub.templatetags.crossdock_dates import when

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_CAP_SECONDS = 600


def inbox_channel_for(team: Team) -> Channel:
    key = ("handoffs.inbox-channel", team.pk)
    inboxes = Channel.objects.filter(team=team, kind=Channel.Kind.INBOX).order_by("id")
    channel = events.memo(key, inboxes.first)
    if channel is None:
        events.forget(key)  # the one made here exists once this transaction commits
        channel = Channel.objects.create(team=team, kind=Channel.Kind.INBOX, name="In-app inbox")
    return channel


def alert_create(
    handoff: Handoff | None,
    channel: Channel | None,
    purpose: str,
    now: datetime,
    *,
    fallback_of: Alert | None = None,
    subject: str = "",
    body: str = "",
    link: str = "",
    kind: str = "",
    recipient: User | None = None,
    address: str = "",
    extra: dict | None = None,
    dedupe_key: str | None = None,
    new_handoff: bool = False,
) -> Alert | None:
    """Write one alert (the outbox row) and send it after commit. None if it already exists.

    ``new_handoff``: ``handoff`` was created in the caller's transaction, so no alert of it can
    exist yet (no savepoint is needed to catch one), and an alert to the team's in-app inbox is
    delivered at once, in that transaction: the notifications, the attempt and "sent" commit
    (or roll back) with the handoff, and no task is needed for them.
    """
    status: str = Alert.Status.PENDING
    when = now
    team_purposes = (Alert.Purpose.NOTIFY, Alert.Purpose.MESSAGE)
    if channel is not None and channel.kind != Channel.Kind.INBOX and purpose in team_purposes:
        status, when = _schedule_for_team(channel.team_id, now)
    inbox_now = new_handoff and channel is not None and channel.kind == Channel.Kind.INBOX
    # In an event drain, an alert due now is sent by this process right after the commit
    # (hub.queue.run_here): claimed as it is written, it needs no claim and no read back then.
    # A crash in between leaves it claimed with no attempt begun, which the sweeper resends.
    claim_now = not inbox_now and status == Alert.Status.PENDING and runs_here(when)
    fields: dict[str, Any] = {
        "handoff": handoff,
        "channel": channel,
        "kind": "" if channel is not None else kind,
        "recipient": recipient,
        "address": address,
        "purpose": purpose,
        "status": status,
        "next_attempt_at": when,
        "fallback_of": fallback_of,
        "subject": subject[:300],
        "body": body,
        "link": link[:500],
        "extra": extra or {},
        "dedupe_key": dedupe_key or None,
        "created_at": now,
    }
    if inbox_now:
        fields.update(status=Alert.Status.SENT, attempts=1, claimed_at=now, sent_at=now)
    elif claim_now:
        fields.update(status=Alert.Status.SENDING, attempts=1, claimed_at=now)
    try:
        if new_handoff:
            alert = Alert.objects.create(**fields)
        else:
            with transaction.atomic():
                alert = Alert.objects.create(**fields)
    except IntegrityError:
        return None  # already written: this handoff on that channel, or this dedupe key
    if inbox_now:
        _deliver_inbox_in_transaction(alert, now)
    elif claim_now:
        _send_after_commit(alert)
    elif status == Alert.Status.PENDING:
        _enqueue_alert_on_commit(alert.pk, when)
    return alert


def _deliver_inbox_in_transaction(alert: Alert, now: datetime) -> None:
    """Deliver an inbox alert inside the surrounding transaction: its notifications, its one
    attempt and its "sent" mark commit (or roll back) with the row that caused it."""
    started = time.monotonic()
    response = _deliver_inbox(alert)
    AlertAttempt.objects.create(
        alert=alert,
        at=now,
        ok=True,
        finished=True,
        response=response[:500],
        error="",
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _schedule_for_team(team_id: int, now: datetime) -> tuple[str, datetime]:
    """Quiet hours delay an alert to their end; a daily digest holds it."""
    team_settings = events.memo(
        ("handoffs.team-alert-settings", team_id),
        lambda: TeamAlertSettings.objects.filter(team_id=team_id).first(),
    )
    if team_settings is None:
        return Alert.Status.PENDING, now
    if team_settings.daily_digest:
        return Alert.Status.HELD, now
    start, end = team_settings.quiet_start, team_settings.quiet_end
    if start and end:
        local = timezone.localtime(now)
        t = local.time()
        quiet = (start <= t < end) if start < end else (t >= start or t < end)
        if quiet:
            resume = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
            if resume <= local:
                resume += timedelta(days=1)
            return Alert.Status.PENDING, resume
    return Alert.Status.PENDING, now


def _enqueue_alert(alert_id: int, when: datetime | None = None) -> None:
    from handoffs.tasks import send_alert_task

    publish(send_alert_task, alert_id, eta=when, what=f"alert {alert_id}")


def _enqueue_alert_on_commit(alert_id: int, when: datetime | None = None) -> None:
    from handoffs.tasks import send_alert_task

    # Short and claimed first: an event drain sends it right after the event (hub.queue).
    enqueue_on_commit(send_alert_task, alert_id, eta=when, what=f"alert {alert_id}", here=True)


def _send_after_commit(alert: Alert) -> None:
    """Send an alert claimed as it was written in this process, once it is committed."""
    here_on_commit(
        lambda: _send_claimed(alert, timezone.now()),
        on_error=lambda: _unclaim(alert.pk),
        what=f"alert {alert.pk}",
    )


def _unclaim(alert_id: int) -> None:
    """Hand an alert that failed to go out from here to a worker: back to pending if no
    attempt began (one that began may have reached the other side: the sweeper decides)."""
    begun = AlertAttempt.objects.filter(alert_id=alert_id, finished=False)
    if (
        Alert.objects.filter(pk=alert_id, status=Alert.Status.SENDING)
        .exclude(pk__in=begun.values("alert_id"))
        .update(status=Alert.Status.PENDING, attempts=F("attempts") - 1)
    ):
        _enqueue_alert(alert_id)


def _max_attempts() -> int:
    return int(getattr(settings, "CROSSDOCK_ALERT_MAX_ATTEMPTS", MAX_ATTEMPTS))


def _backoff(attempts: int) -> float:
    """Exponential backoff with jitter: base * 2^attempts, capped, ±50%."""
    base = float(getattr(settings, "CROSSDOCK_ALERT_BACKOFF_SECONDS", 2.0))
    delay = min(BACKOFF_CAP_SECONDS, base * 2**attempts)
    return delay * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not security


def alert_send(alert_id: int, *, now: datetime | None = None) -> str:
    """Claim and send one alert (with any burst on the same channel folded in). Idempotent.

    Returns what happened: "sent", "retry", "failed", "paced", or "skipped".
    """
    now = now or timezone.now()
    claimed = Alert.objects.filter(
        pk=alert_id, status=Alert.Status.PENDING, next_attempt_at__lte=now
    ).update(status=Alert.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    alert = Alert.objects.select_related(
        "channel__team", "handoff__team", "handoff__rule", "recipient"
    ).get(pk=alert_id)
    return _send_claimed(alert, now)


def _send_claimed(alert: Alert, now: datetime) -> str:
    """``alert_send`` for an alert in hand, claimed (status "sending") by the caller."""
    channel = alert.channel
    if channel is None:  # straight to a person or an address
        return _send_direct(alert, now)
    sender = sender_for(channel.kind)
    if sender.min_interval and not _take_send_slot(channel, sender.min_interval, now):
        Alert.objects.filter(pk=alert.pk).update(
            status=Alert.Status.PENDING,
            attempts=F("attempts") - 1,
            next_attempt_at=Channel.objects.get(pk=channel.pk).next_send_at,
        )
        _enqueue_alert(alert.pk, Channel.objects.get(pk=channel.pk).next_send_at)
        return "paced"
    batch = [alert]
    if sender.digests:
        batch += _claim_burst(alert, now)
    message = _message_for(batch, channel)
    if len(batch) > 1:
        fit = max(1, sender.fits(message))
        if fit < len(batch):  # more than one message can carry: the rest go in the next one
            batch, rest = batch[:fit], batch[fit:]
            _release(rest, channel)
            message = _message_for(batch, channel)
    started = time.monotonic()
    if channel.kind == Channel.Kind.INBOX:
        return _deliver_inbox_once(alert, started, now)
    _begin_attempts(batch, now)
    try:
        sent = sender.send(channel.target, message, secret=channel.signing_secret)
        result_code, response = sent.status_code, sent.response
    except ChannelError as exc:
        elapsed = int((time.monotonic() - started) * 1000)
        return _record_failure(batch, exc, elapsed, now)
    except Exception as exc:  # a bug in a sender must not leave the alert stuck in "sending"
        logger.exception("Sending alert %s failed unexpectedly", alert.pk)
        elapsed = int((time.monotonic() - started) * 1000)
        return _record_failure(batch, ChannelError(f"{type(exc).__name__}: {exc}"), elapsed, now)
    return _record_sent(batch, result_code, response, started, now)


def _send_direct(alert: Alert, now: datetime) -> str:
    """A message to one person (their inbox or email) or one email address."""
    started = time.monotonic()
    if alert.kind == Channel.Kind.INBOX:
        return _deliver_inbox_once(alert, started, now)
    _begin_attempts([alert], now)
    try:
        address = alert.address or (alert.recipient.email if alert.recipient else "")
        message = _message_from(alert, team="", recipients=[(address, "")] if address else [])
        sent = sender_for(alert.kind).send(address, message)
        result_code, response = sent.status_code, sent.response
    except ChannelError as exc:
        return _record_failure([alert], exc, int((time.monotonic() - started) * 1000), now)
    except Exception as exc:  # a bug in a sender must not leave the alert stuck in "sending"
        logger.exception("Sending alert %s failed unexpectedly", alert.pk)
        elapsed = int((time.monotonic() - started) * 1000)
        return _record_failure([alert], ChannelError(f"{type(exc).__name__}: {exc}"), elapsed, now)
    return _record_sent([alert], result_code, response, started, now)


def _begin_attempts(batch: list[Alert], now: datetime) -> None:
    """Write each attempt before the request leaves (committed at once, outside any
    transaction): if the answer is never recorded, the sweeper knows the message may be out."""
    if len(batch) == 1:  # one INSERT, no transaction around it
        AlertAttempt.objects.create(alert=batch[0], at=now, finished=False, error="sending…")
        return
    AlertAttempt.objects.bulk_create(
        AlertAttempt(alert=item, at=now, finished=False, error="sending…") for item in batch
    )


def _finish_attempts(batch: list[Alert], **outcome: object) -> None:
    ids = [a.pk for a in batch]
    updated = AlertAttempt.objects.filter(alert_id__in=ids, finished=False).update(
        finished=True, **outcome
    )
    if not updated:  # an inbox delivery: nothing was begun outside the transaction
        AlertAttempt.objects.bulk_create(AlertAttempt(alert_id=pk, **outcome) for pk in ids)


def _deliver_inbox_once(alert: Alert, started: float, now: datetime) -> str:
    """The inbox is our own database: the notifications and "sent" commit together, so a crash
    or a retry can neither lose nor repeat them."""
    with transaction.atomic():
        response = _deliver_inbox(alert)
        return _record_sent([alert], None, response, started, now)


def _record_sent(
    batch: list[Alert], result_code: int | None, response: str, started: float, now: datetime
) -> str:
    elapsed = int((time.monotonic() - started) * 1000)
    ids = [a.pk for a in batch]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Attempts begun outside a transaction (an outbound send): finish them and mark the
        # alerts sent in one statement, atomic without a BEGIN and a COMMIT of its own.
        attempts = connection.ops.quote_name(AlertAttempt._meta.db_table)
        alerts = connection.ops.quote_name(Alert._meta.db_table)
        sql = f"""
            WITH finished AS (
                UPDATE {attempts} SET finished = true, at = %s, status_code = %s, ok = true,
                    response = %s, error = '', duration_ms = %s
                WHERE alert_id = ANY(%s) AND NOT finished
            )
            UPDATE {alerts} SET status = %s, sent_at = %s, last_error = ''
            WHERE id = ANY(%s)
        """  # noqa: S608 - identifiers from the models' metadata; values are parameters
        with connection.cursor() as cursor:
            finish = [now, result_code, response[:500], elapsed, ids]
            cursor.execute(sql, [*finish, Alert.Status.SENT, timezone.now(), ids])
        return "sent"
    with transaction.atomic():
        _finish_attempts(
            batch,
            at=now,
            status_code=result_code,
            ok=True,
            response=response[:500],
            error="",
            duration_ms=elapsed,
        )
        Alert.objects.filter(pk__in=ids).update(
            status=Alert.Status.SENT, sent_at=timezone.now(), last_error=""
        )
    return "sent"


def _take_send_slot(channel: Channel, interval: float, now: datetime) -> bool:
    """Reserve the channel's next send time, so bursts go out about one per ``interval``."""
    free = Q(next_send_at__isnull=True) | Q(next_send_at__lte=now)
    return bool(
        Channel.objects.filter(free, pk=channel.pk).update(
            next_send_at=now + timedelta(seconds=interval)
        )
    )


def _claim_burst(alert: Alert, now: datetime, limit: int = 25) -> list[Alert]:
    """Other alerts waiting for the same channel right now: folded into one digest message."""
    waiting = list(
        Alert.objects.filter(
            channel=alert.channel,
            status=Alert.Status.PENDING,
            next_attempt_at__lte=now + timedelta(seconds=5),
        )
        .exclude(pk=alert.pk)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    taken = []
    for pk in waiting:
        if Alert.objects.filter(pk=pk, status=Alert.Status.PENDING).update(
            status=Alert.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        ):
            taken.append(pk)
    return list(Alert.objects.select_related("handoff__team").filter(pk__in=taken).order_by("id"))


def _release(alerts: list[Alert], channel: Channel) -> None:
    """Give back claimed alerts that did not fit in this message, unsent and untried, for the
    channel's next send slot. Only the first is enqueued: it claims the others as its burst."""
    when = Channel.objects.get(pk=channel.pk).next_send_at or timezone.now()
    Alert.objects.filter(pk__in=[a.pk for a in alerts], status=Alert.Status.SENDING).update(
        status=Alert.Status.PENDING, attempts=F("attempts") - 1, next_attempt_at=when
    )
    _enqueue_alert(alerts[0].pk, when)


def _absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return settings.SITE_URL.rstrip("/") + link


def _message_from(alert: Alert, *, team: str, recipients: list[tuple[str, str]]) -> Message:
    """A ``notify`` message: it carries its own words."""
    return Message(
        uuid=str(alert.uuid),
        title=alert.subject,
        body=alert.body,
        team=team,
        link=_absolute(alert.link),
        purpose=alert.purpose,
        recipients=recipients,
        link_label=(alert.extra or {}).get("link_label", ""),
        unsubscribe_url=(alert.extra or {}).get("unsubscribe_url", ""),
    )


def _message_for(batch: list[Alert], channel: Channel) -> Message:
    first = batch[0]
    site = settings.SITE_URL.rstrip("/")
    handoff = first.handoff
    if handoff is None and first.purpose == Alert.Purpose.TEST:
        return Message(
            uuid=str(first.uuid),
            title=first.subject or "Crossdock test message",
            body="If you can read this, the channel works.",
            team=channel.team.name,
            purpose=first.purpose,
        )
    recipients = []
    if channel.kind == Channel.Kind.EMAIL:
        recipients = _email_recipients(channel, handoff)
    if len(batch) > 1:
        items = []
        for a in batch:
            if a.handoff:
                items.append(
                    (
                        a.handoff.title,
                        site + a.handoff.get_absolute_url(),
                        ack_url(a.handoff, channel=channel.kind) if a.handoff.requires_ack else "",
                    )
                )
            else:
                items.append((a.subject, _absolute(a.link), ""))
        noun = "handoffs" if all(a.handoff for a in batch) else "updates"
        return Message(
            uuid=str(first.uuid),
            title=f"{len(batch)} {noun} for {channel.team.name}",
            body="",
            team=channel.team.name,
            items=items,
            purpose="digest",
            recipients=recipients,
        )
    if handoff is None:
        return _message_from(first, team=channel.team.name, recipients=recipients)
    prefix = {"escalation": "Missed: ", "fallback": ""}.get(first.purpose, "")
    fields = [("Due", when(handoff.due_at))] if handoff.due_at else []
    if handoff.rule:
        fields.append(("Rule", handoff.rule.name))
    return Message(
        uuid=str(first.uuid),
        title=prefix + handoff.title,
        body=handoff.body,
        team=handoff.team.name,
        link=site + handoff.get_absolute_url(),
        ack_url=ack_url(handoff, channel=channel.kind) if handoff.requires_ack else "",
        fields=fields,
        purpose=first.purpose,
        recipients=recipients,
    )


def _email_recipients(channel: Channel, handoff: Handoff | None) -> list[tuple[str, str]]:
    addresses = [a.strip() for a in channel.target.split(",") if a.strip()]
    if handoff is None:  # a message: nothing to acknowledge
        if addresses:
            return [(a, "") for a in addresses]
        members = User.objects.filter(is_active=True, memberships__team=channel.team).distinct()
        return [(u.email, "") for u in members if u.email]
    if addresses:
        users = {
            u.email.lower(): u for u in User.objects.filter(email__in=addresses, is_active=True)
        }
        return [
            (a, ack_url(handoff, users.get(a.lower()), "email") if handoff.requires_ack else "")
            for a in addresses
        ]
    members = User.objects.filter(is_active=True, memberships__team=channel.team).distinct()
    return [
        (u.email, ack_url(handoff, u, "email") if handoff.requires_ack else "")
        for u in members
        if u.email
    ]


def _deliver_inbox(alert: Alert) -> str:
    handoff = alert.handoff
    if alert.channel is None:  # one person's inbox
        members = [alert.recipient] if alert.recipient and alert.recipient.is_active else []
    else:  # shared by the events of one drain (hub.events.memo)
        team_id = alert.channel.team_id
        members = events.memo(
            ("handoffs.team-members", team_id),
            lambda: list(
                User.objects.filter(is_active=True, memberships__team_id=team_id).distinct()
            ),
        )
    if handoff is not None:
        prefix = "Missed: " if alert.purpose == Alert.Purpose.ESCALATION else ""
        title, body, url = prefix + handoff.title, handoff.body, handoff.get_absolute_url()
    elif alert.purpose == Alert.Purpose.MESSAGE:
        title, body, url = alert.subject, alert.body, alert.link
    else:
        return "nothing to deliver"
    Notification.objects.bulk_create(
        Notification(recipient=member, title=title[:200], body=body[:2000], url=url[:500])
        for member in members
    )
    return f"{len(members)} inbox{'es' if len(members) != 1 else ''}"


def _record_failure(batch: list[Alert], exc: ChannelError, elapsed: int, now: datetime) -> str:
    outcome = "retry"
    _finish_attempts(
        batch,
        at=now,
        status_code=exc.status_code,
        ok=False,
        response=exc.response[:500],
        error=str(exc)[:500],
        duration_ms=elapsed,
    )
    for alert in batch:
        attempts = Alert.objects.get(pk=alert.pk).attempts
        one_try = alert.purpose == Alert.Purpose.TEST  # a test says at once what is wrong
        if exc.permanent or one_try or attempts >= _max_attempts():
            Alert.objects.filter(pk=alert.pk).update(
                status=Alert.Status.FAILED, last_error=str(exc)[:2000]
            )
            _fall_back(alert, now)
            outcome = "failed"
        else:
            delay = exc.retry_after if exc.retry_after is not None else _backoff(attempts)
            when = now + timedelta(seconds=delay)
            Alert.objects.filter(pk=alert.pk).update(
                status=Alert.Status.PENDING, next_attempt_at=when, last_error=str(exc)[:2000]
            )
            _enqueue_alert(alert.pk, when)
    return outcome


def _fall_back(alert: Alert, now: datetime) -> None:
    channel = alert.channel
    fallback = channel.fallback if channel is not None else None
    if fallback and fallback.enabled and alert.purpose == Alert.Purpose.MESSAGE:
        group = (alert.extra or {}).get("group")
        already = Alert.objects.filter(fallback_of=alert).exists() or (
            group and Alert.objects.filter(channel=fallback, extra__group=group).exists()
        )
        if not already:  # the fallback channel has (or is getting) this message already
            with transaction.atomic():
                alert_create(
                    None,
                    fallback,
                    Alert.Purpose.MESSAGE,
                    now,
                    fallback_of=alert,
                    subject=alert.subject,
                    body=alert.body,
                    link=alert.link,
                    extra=alert.extra,
                )
        return
    if fallback and fallback.enabled and alert.handoff_id:
        if Alert.objects.filter(
            handoff_id=alert.handoff_id,
            channel=fallback,
            status__in=[Alert.Status.PENDING, Alert.Status.SENDING, Alert.Status.SENT],
        ).exists():
            return  # the fallback channel has (or is getting) this handoff already
        with transaction.atomic():
            alert_create(alert.handoff, fallback, Alert.Purpose.FALLBACK, now, fallback_of=alert)


UNKNOWN_OUTCOME = (
    "Sending began but its answer was never recorded (the worker or the database stopped); "
    "not sent again, so nobody gets it twice."
)


def alerts_unfinished(now: datetime, limit: int = 500) -> list[int]:
    """Alerts a down broker or a killed worker left behind, ready to send again.

    A stale claim with no attempt begun is known unsent: it goes back to pending. One whose
    attempt began may have reached the other side: a webhook is sent again (the receiver
    deduplicates by its Idempotency-Key, the alert's UUID); Slack, Teams and email cannot
    deduplicate, so the alert is closed as sent with the reason, never repeated.
    """
    stale_after = timedelta(seconds=settings.CROSSDOCK_ALERT_STALE_SECONDS)
    grace = timedelta(seconds=settings.CROSSDOCK_ALERT_SWEEP_GRACE_SECONDS)
    stale = Alert.objects.filter(status=Alert.Status.SENDING, claimed_at__lt=now - stale_after)
    begun = stale.filter(attempt_log__finished=False).distinct()
    resendable = Q(channel__kind=Channel.Kind.WEBHOOK)
    for alert_id in begun.exclude(resendable).values_list("pk", flat=True):
        with transaction.atomic():
            if Alert.objects.filter(pk=alert_id, status=Alert.Status.SENDING).update(
                status=Alert.Status.SENT, sent_at=now, last_error=UNKNOWN_OUTCOME
            ):
                AlertAttempt.objects.filter(alert_id=alert_id, finished=False).update(
                    finished=True, error="outcome unknown"
                )
    AlertAttempt.objects.filter(alert__in=begun.filter(resendable), finished=False).update(
        finished=True, error="outcome unknown; sent again with the same Idempotency-Key"
    )
    stale.update(status=Alert.Status.PENDING)
    ids = list(
        Alert.objects.filter(status=Alert.Status.PENDING, next_attempt_at__lte=now - grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    # Due now, not long ago: the next sweep leaves them alone until the grace has passed again
    # (one waiting in a long queue would otherwise get one more task on every sweep).
    Alert.objects.filter(pk__in=ids, status=Alert.Status.PENDING).update(next_attempt_at=now)
    return ids


def channel_test(*, actor: User, channel: Channel) -> Alert:
    """Queue a test message on a channel (admins' “send test”)."""
    with transaction.atomic():
        alert = Alert.objects.create(
            channel=channel,
            purpose=Alert.Purpose.TEST,
            subject=f"Test message from Crossdock, sent by {actor.display_name}",
        )
        audit.record(actor=actor, action="channel.test", obj=channel)
        _enqueue_alert_on_commit(alert.pk)
    return alert


def held_alerts_release(now: datetime | None = None) -> int:
    """Daily digests: at each team's digest hour, send what was held as one message per channel."""
    now = now or timezone.now()
    hour = timezone.localtime(now).hour
    teams = TeamAlertSettings.objects.filter(daily_digest=True, digest_hour=hour).values_list(
        "team_id", flat=True
    )
    released = Alert.objects.filter(
        status=Alert.Status.HELD, channel__team_id__in=list(teams)
    ).update(status=Alert.Status.PENDING, next_attempt_at=now)
    if released:
        for pk in Alert.objects.filter(
            status=Alert.Status.PENDING, channel__team_id__in=list(teams)
        ).values_list("pk", flat=True):
            _enqueue_alert(pk)  # the first claims its channel's burst as one digest
    return released


def notify(
    *,
    to: Team | User | Channel | str,
    title: str,
    body: str = "",
    link: str = "",
    link_label: str = "",
    via: Iterable[str] = ("inbox", "email"),
    unsubscribe_url: str = "",
    dedupe_key: str = "",
    now: datetime | None = None,
) -> list[Alert]:
    """Send a message through the outbox, with or without a handoff. Returns the alerts written.

    ``to`` a Team: its in-app inbox and every enabled channel of the team (quiet hours and
    daily digests apply; Slack bursts fold into one message). A Channel: that channel only. A
    User: their inbox and/or email, as ``via`` says. A string: that email address (a customer,
    a driver, an invitee). ``link`` may be a site path or a full URL; ``link_label`` is the
    words on its button. Nothing is sent before the surrounding transaction commits; then
    retries, backoff, fallback channels and one attempt row per try are the outbox's.

    Idempotent with ``dedupe_key``: the same key to the same place is written once, so a task
    that runs twice (or a reminder sweep that overlaps) sends one message.
    """
    now = now or timezone.now()
    title = title.strip()
    if not title:
        raise DomainError("A message needs a title.")
    extra = {
        k: v for k, v in (("link_label", link_label), ("unsubscribe_url", unsubscribe_url)) if v
    }

    def key(where: str) -> str | None:
        return f"{dedupe_key}|{where}"[:255] if dedupe_key else None

    if isinstance(to, Team):  # one message, several channels: a fallback must not repeat it
        extra["group"] = uuid.uuid4().hex
    words: dict[str, Any] = {"subject": title, "body": body, "link": link, "extra": extra}
    written: list[Alert | None] = []
    with transaction.atomic():
        if isinstance(to, Team):
            channels = [inbox_channel_for(to)]
            channels += list(to.channels.filter(enabled=True).exclude(kind=Channel.Kind.INBOX))
            for channel in dict.fromkeys(channels):
                written.append(
                    alert_create(
                        None,
                        channel,
                        Alert.Purpose.MESSAGE,
                        now,
                        dedupe_key=key(f"channel:{channel.pk}"),
                        **words,
                    )
                )
        elif isinstance(to, Channel):
            written.append(
                alert_create(
                    None,
                    to,
                    Alert.Purpose.MESSAGE,
                    now,
                    dedupe_key=key(f"channel:{to.pk}"),
                    **words,
                )
            )
        elif isinstance(to, User):
            for kind in dict.fromkeys(via):
                if kind not in (Channel.Kind.INBOX, Channel.Kind.EMAIL):
                    raise DomainError(f"A person can be reached by inbox or email, not {kind}.")
                if kind == Channel.Kind.EMAIL and not to.email:
                    continue
                written.append(
                    alert_create(
                        None,
                        None,
                        Alert.Purpose.MESSAGE,
                        now,
                        kind=kind,
                        recipient=to,
                        dedupe_key=key(f"{kind}:user:{to.pk}"),
                        **words,
                    )
                )
        else:
            address = str(to).strip()
            try:
                validate_email(address)
            except ValidationError as exc:
                raise DomainError(f"“{address}” is not an email address.") from exc
            written.append(
                alert_create(
                    None,
                    None,
                    Alert.Purpose.MESSAGE,
                    now,
                    kind=Channel.Kind.EMAIL,
                    address=address,
                    dedupe_key=key(f"email:{address.lower()}"),
                    **words,
                )
            )
    return [a for a in written if a is not None]
