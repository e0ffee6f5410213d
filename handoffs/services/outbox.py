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
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from handoffs.channels import ChannelError, Message, sender_for
from handoffs.models import Alert, AlertAttempt, Channel, Handoff, TeamAlertSettings
from handoffs.services.acks import ack_url
from hub import audit
from hub.models import Notification, Team, User
from hub.queue import enqueue_on_commit, publish
from hub.templatetags.crossdock_dates import when

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_CAP_SECONDS = 600
STALE_SENDING = timedelta(minutes=5)


def inbox_channel_for(team: Team) -> Channel:
    channel = Channel.objects.filter(team=team, kind=Channel.Kind.INBOX).order_by("id").first()
    if channel is None:
        channel = Channel.objects.create(team=team, kind=Channel.Kind.INBOX, name="In-app inbox")
    return channel


def alert_create(
    handoff: Handoff | None,
    channel: Channel,
    purpose: str,
    now: datetime,
    *,
    fallback_of: Alert | None = None,
    subject: str = "",
) -> Alert | None:
    status: str = Alert.Status.PENDING
    when = now
    if channel.kind != Channel.Kind.INBOX and purpose == Alert.Purpose.NOTIFY:
        status, when = _schedule_for_team(channel.team_id, now)
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                handoff=handoff,
                channel=channel,
                purpose=purpose,
                status=status,
                next_attempt_at=when,
                fallback_of=fallback_of,
                subject=subject,
                created_at=now,
            )
    except IntegrityError:
        return None  # this handoff already has that alert on that channel
    if status == Alert.Status.PENDING:
        _enqueue_alert_on_commit(alert.pk, when)
    return alert


def _schedule_for_team(team_id: int, now: datetime) -> tuple[str, datetime]:
    """Quiet hours delay an alert to their end; a daily digest holds it."""
    team_settings = TeamAlertSettings.objects.filter(team_id=team_id).first()
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

    enqueue_on_commit(send_alert_task, alert_id, eta=when, what=f"alert {alert_id}")


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
    alert = Alert.objects.select_related("channel__team", "handoff__team").get(pk=alert_id)
    channel = alert.channel
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
    started = time.monotonic()
    try:
        if channel.kind == Channel.Kind.INBOX:
            result_code, response = None, _deliver_inbox(alert)
        else:
            sent = sender.send(channel.target, message, secret=channel.signing_secret)
            result_code, response = sent.status_code, sent.response
    except ChannelError as exc:
        elapsed = int((time.monotonic() - started) * 1000)
        return _record_failure(batch, exc, elapsed, now)
    except Exception as exc:  # a bug in a sender must not leave the alert stuck in "sending"
        logger.exception("Sending alert %s failed unexpectedly", alert.pk)
        elapsed = int((time.monotonic() - started) * 1000)
        return _record_failure(batch, ChannelError(f"{type(exc).__name__}: {exc}"), elapsed, now)
    elapsed = int((time.monotonic() - started) * 1000)
    for item in batch:
        AlertAttempt.objects.create(
            alert=item,
            at=now,
            status_code=result_code,
            ok=True,
            response=response[:500],
            duration_ms=elapsed,
        )
    Alert.objects.filter(pk__in=[a.pk for a in batch]).update(
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
    return list(Alert.objects.select_related("handoff__team").filter(pk__in=taken))


def _message_for(batch: list[Alert], channel: Channel) -> Message:
    first = batch[0]
    site = settings.SITE_URL.rstrip("/")
    handoff = first.handoff
    if handoff is None:  # a test message
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
    prefix = {"escalation": "Missed: ", "fallback": ""}.get(first.purpose, "")
    if len(batch) > 1:
        return Message(
            uuid=str(first.uuid),
            title=f"{len(batch)} handoffs for {channel.team.name}",
            body="",
            team=channel.team.name,
            items=[
                (
                    a.handoff.title,
                    site + a.handoff.get_absolute_url(),
                    ack_url(a.handoff, channel=channel.kind),
                )
                for a in batch
                if a.handoff
            ],
            purpose="digest",
            recipients=recipients,
        )
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


def _email_recipients(channel: Channel, handoff: Handoff) -> list[tuple[str, str]]:
    addresses = [a.strip() for a in channel.target.split(",") if a.strip()]
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
    if handoff is None:
        return "nothing to deliver"
    members = list(
        User.objects.filter(is_active=True, memberships__team=alert.channel.team).distinct()
    )
    prefix = "Missed: " if alert.purpose == Alert.Purpose.ESCALATION else ""
    Notification.objects.bulk_create(
        Notification(
            recipient=member,
            title=(prefix + handoff.title)[:200],
            body=handoff.body[:2000],
            url=handoff.get_absolute_url(),
        )
        for member in members
    )
    return f"{len(members)} inboxes"


def _record_failure(batch: list[Alert], exc: ChannelError, elapsed: int, now: datetime) -> str:
    outcome = "retry"
    for alert in batch:
        AlertAttempt.objects.create(
            alert=alert,
            at=now,
            status_code=exc.status_code,
            ok=False,
            response=exc.response[:500],
            error=str(exc)[:500],
            duration_ms=elapsed,
        )
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
    fallback = channel.fallback
    if fallback and fallback.enabled and alert.handoff_id:
        if Alert.objects.filter(
            handoff_id=alert.handoff_id,
            channel=fallback,
            status__in=[Alert.Status.PENDING, Alert.Status.SENDING, Alert.Status.SENT],
        ).exists():
            return  # the fallback channel has (or is getting) this handoff already
        with transaction.atomic():
            alert_create(alert.handoff, fallback, Alert.Purpose.FALLBACK, now, fallback_of=alert)


def alerts_unfinished(now: datetime, limit: int = 500) -> list[int]:
    """Alerts a down broker or a killed worker left behind; stale claims are released."""
    Alert.objects.filter(status=Alert.Status.SENDING, claimed_at__lt=now - STALE_SENDING).update(
        status=Alert.Status.PENDING
    )
    return list(
        Alert.objects.filter(
            status=Alert.Status.PENDING, next_attempt_at__lte=now - timedelta(seconds=30)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


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
