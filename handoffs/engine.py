"""Handoffs: rules turn events into handoffs; each handoff's alerts go out through an outbox.

Writers here are the only ones for rules' evaluations, handoffs and alerts. Every step is safe
to run twice: evaluations and handoffs are unique per rule and event, alerts per handoff and
channel, and an alert is claimed with a conditional UPDATE before anything is sent.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from handoffs import context as rule_context
from handoffs import rules
from handoffs.channels import ChannelError, Message, sender_for
from handoffs.models import (
    Alert,
    AlertAttempt,
    Channel,
    Handoff,
    Rule,
    RuleEvaluation,
    TeamAlertSettings,
)
from hub import audit, events
from hub.models import Event, Membership, Notification, Role, Team, User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_CAP_SECONDS = 600
STALE_SENDING = timedelta(minutes=5)
ACK_SALT = "crossdock.handoff.ack"
ACK_MAX_AGE = 60 * 60 * 24 * 30


# --- Rules on events ------------------------------------------------------------------------


def _trigger_candidates(event_type: str) -> list[str]:
    parts = event_type.split(".")
    return [event_type, "*"] + [".".join(parts[:i]) + ".*" for i in range(1, len(parts))]


def event_evaluate_rules(event: Event, *, now: datetime | None = None) -> int:
    """Event subscriber: run every enabled rule for this event type. Returns handoffs made."""
    now = now or timezone.now()
    candidates = list(
        Rule.objects.filter(enabled=True, trigger__in=_trigger_candidates(event.type)).values_list(
            "pk", flat=True
        )
    )
    if not candidates:
        return 0
    ctx = rule_context.event_context(event, now)
    previous = rule_context.previous_context(event)
    made = 0
    for rule_id in candidates:
        made += _apply_rule(rule_id, event, ctx, previous, now)
    return made


def _apply_rule(rule_id: int, event: Event, ctx: dict, previous: dict | None, now: datetime) -> int:
    with transaction.atomic():
        # The rule's row lock serialises its dedupe checks across workers.
        rule = Rule.objects.select_for_update().filter(pk=rule_id, enabled=True).first()
        if rule is None or RuleEvaluation.objects.filter(rule=rule, event=event).exists():
            return 0
        decision = rules.evaluate(rule.conditions or {}, ctx, previous)
        outcome, made = "no match", 0
        if decision.matched:
            key = rules.render(rule.dedupe_key, ctx) if rule.dedupe_key else ""
            window_start = now - timedelta(minutes=rule.dedupe_minutes or 0)
            duplicate = (
                key
                and Handoff.objects.filter(
                    rule=rule, dedupe_key=key, created_at__gte=window_start
                ).exists()
            )
            if duplicate:
                outcome = f"matched; folded into an earlier handoff (dedupe key {key})"
            else:
                for team in rule.teams.all():
                    handoff_create(
                        team=team,
                        title=rules.render(rule.title_template, ctx) or rule.name,
                        body=rules.render(rule.message_template, ctx),
                        link=_event_link(event),
                        rule=rule,
                        event=event,
                        requires_ack=rule.requires_ack,
                        sla_minutes=rule.sla_minutes,
                        dedupe_key=key,
                        now=now,
                        fields=_fields(ctx),
                    )
                    made += 1
                outcome = f"matched; {made} handoff{'s' if made != 1 else ''} created"
        RuleEvaluation.objects.create(
            rule=rule,
            rule_version=rule.version,
            event=event,
            matched=decision.matched,
            details=[r.as_dict() for r in decision.results],
            outcome=outcome,
            at=now,
        )
    return made


def _event_link(event: Event) -> str:
    return reverse("handoffs:explain") + f"?event={event.pk}"


def _fields(ctx: dict[str, Any]) -> list[tuple[str, str]]:
    fields = []
    customer, delivery = ctx.get("customer"), ctx.get("delivery")
    if customer:
        fields.append(
            ("Customer", customer.get("name") or customer.get("email") or str(customer["id"]))
        )
        if customer.get("zone"):
            fields.append(("Zone", customer["zone"]))
    if delivery:
        fields.append(("Delivery", delivery["dispatch_id"]))
        fields.append(("Status", delivery["status"]))
    fields.append(("Event", ctx["event"]["type"]))
    return fields


# --- Handoffs ---------------------------------------------------------------------------------


def _inbox_channel(team: Team) -> Channel:
    channel = Channel.objects.filter(team=team, kind=Channel.Kind.INBOX).order_by("id").first()
    if channel is None:
        channel = Channel.objects.create(team=team, kind=Channel.Kind.INBOX, name="In-app inbox")
    return channel


def handoff_create(
    *,
    team: Team,
    title: str,
    body: str = "",
    link: str = "",
    rule: Rule | None = None,
    event: Event | None = None,
    created_by: User | None = None,
    from_team: Team | None = None,
    requires_ack: bool = True,
    sla_minutes: int | None = None,
    due_at: datetime | None = None,
    dedupe_key: str = "",
    now: datetime | None = None,
    fields: list[tuple[str, str]] | None = None,
) -> Handoff:
    """Create a handoff and its alerts (the outbox) in one transaction; send after commit.

    Idempotent per (rule, event, team): a second call returns the existing handoff.
    """
    now = now or timezone.now()
    if due_at is None and sla_minutes:
        due_at = now + timedelta(minutes=sla_minutes)
    with transaction.atomic():
        if rule is not None and event is not None:
            existing = Handoff.objects.filter(rule=rule, event=event, team=team).first()
            if existing:
                return existing
        try:
            with transaction.atomic():
                handoff = Handoff.objects.create(
                    rule=rule,
                    rule_version=rule.version if rule else None,
                    event=event,
                    created_by=created_by,
                    from_team=from_team,
                    team=team,
                    title=title[:300],
                    body=body,
                    link=link[:500],
                    requires_ack=requires_ack,
                    # Nothing to acknowledge: an announcement is done once it is sent.
                    status=Handoff.Status.OPEN if requires_ack else Handoff.Status.DONE,
                    due_at=due_at if requires_ack else None,
                    dedupe_key=dedupe_key[:200],
                    created_at=now,
                )
        except IntegrityError:
            return Handoff.objects.get(rule=rule, event=event, team=team)
        channels = [_inbox_channel(team)]
        if rule is not None:
            channels += [c for c in rule.channels.all() if c.team_id == team.pk and c.enabled]
        else:
            channels += list(team.channels.filter(enabled=True).exclude(kind=Channel.Kind.INBOX))
        for channel in dict.fromkeys(channels):
            _alert_create(handoff, channel, Alert.Purpose.NOTIFY, now)
    return handoff


def _alert_create(
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
        transaction.on_commit(lambda: _enqueue_alert(alert.pk, when))
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

    try:
        if when and when > timezone.now():
            send_alert_task.apply_async((alert_id,), eta=when, retry=False)
        else:
            send_alert_task.apply_async((alert_id,), retry=False)
    except Exception:
        logger.warning("Broker unavailable; alert %s left for the sweeper", alert_id)


@transaction.atomic
def handoff_acknowledge(
    *, handoff: Handoff, user: User | None, via: str = "app", now: datetime | None = None
) -> bool:
    """Acknowledge an open (or missed) handoff. Returns False if it was already acknowledged."""
    now = now or timezone.now()
    updated = Handoff.objects.filter(
        pk=handoff.pk, status__in=[Handoff.Status.OPEN, Handoff.Status.MISSED]
    ).update(
        status=Handoff.Status.ACKNOWLEDGED,
        acknowledged_by=user,
        acknowledged_at=now,
        acknowledged_via=via[:20],
    )
    if updated:
        audit.record(actor=user, action="handoff.acknowledge", obj=handoff, changes={"via": via})
    return bool(updated)


@transaction.atomic
def handoff_done(*, handoff: Handoff, user: User, now: datetime | None = None) -> bool:
    """Mark a handoff done (acknowledging it too, if it was not)."""
    now = now or timezone.now()
    fields: dict[str, Any] = {"status": Handoff.Status.DONE}
    if handoff.acknowledged_at is None:
        fields.update(acknowledged_by=user, acknowledged_at=now, acknowledged_via="app")
    updated = (
        Handoff.objects.filter(pk=handoff.pk).exclude(status=Handoff.Status.DONE).update(**fields)
    )
    if updated:
        audit.record(actor=user, action="handoff.done", obj=handoff)
    return bool(updated)


def ack_token(handoff: Handoff, user: User | None = None, channel: str = "") -> str:
    return signing.dumps(
        {"h": handoff.pk, "u": user.pk if user else None, "c": channel},
        salt=ACK_SALT,
        compress=True,
    )


def ack_url(handoff: Handoff, user: User | None = None, channel: str = "") -> str:
    return settings.SITE_URL.rstrip("/") + reverse("ack", args=[ack_token(handoff, user, channel)])


@dataclass(frozen=True)
class AckLink:
    handoff: Handoff
    user: User | None
    channel: str


def ack_link_read(token: str) -> AckLink | None:
    """The handoff (and person) a signed acknowledgement link names, or None if not genuine."""
    try:
        data = signing.loads(token, salt=ACK_SALT, max_age=ACK_MAX_AGE)
    except signing.BadSignature:
        return None
    handoff = (
        Handoff.objects.select_related("team", "acknowledged_by").filter(pk=data.get("h")).first()
    )
    if handoff is None:
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first() if data.get("u") else None
    return AckLink(handoff, user, data.get("c", ""))


# --- SLAs ---------------------------------------------------------------------------------------


def handoffs_mark_missed(now: datetime | None = None, limit: int = 500) -> int:
    """Mark open handoffs past their due time as missed, escalate them, record an event."""
    now = now or timezone.now()
    ids = list(
        Handoff.objects.filter(status=Handoff.Status.OPEN, requires_ack=True, due_at__lt=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    missed = 0
    for handoff_id in ids:
        with transaction.atomic():
            claimed = Handoff.objects.filter(pk=handoff_id, status=Handoff.Status.OPEN).update(
                status=Handoff.Status.MISSED, missed_at=now
            )
            if not claimed:
                continue
            handoff = Handoff.objects.select_related("rule", "team").get(pk=handoff_id)
            _escalate(handoff, now)
            events.record(
                "handoffs",
                "handoffs.handoff.missed",
                f"missed:{handoff.pk}",
                {
                    "handoff_id": handoff.pk,
                    "title": handoff.title,
                    "team": handoff.team.name,
                    "rule": handoff.rule.name if handoff.rule else "",
                    "due_at": handoff.due_at.isoformat() if handoff.due_at else "",
                },
                occurred_at=now,
                subject=f"handoff:{handoff.pk}",
            )
            missed += 1
    return missed


def _escalate(handoff: Handoff, now: datetime) -> None:
    rule = handoff.rule
    channels: list[Channel] = []
    if rule and rule.escalate_channel and rule.escalate_channel.enabled:
        channels.append(rule.escalate_channel)
    if rule and rule.escalate_to_team:
        channels.append(_inbox_channel(rule.escalate_to_team))
        channels += list(
            rule.escalate_to_team.channels.filter(enabled=True).exclude(kind=Channel.Kind.INBOX)
        )
    for channel in dict.fromkeys(channels):
        _alert_create(handoff, channel, Alert.Purpose.ESCALATION, now)
    if rule is None or rule.escalate_to_managers:
        managers = User.objects.filter(
            is_active=True,
            memberships__team=handoff.team,
            memberships__role__in=[Role.MANAGER, Role.ADMIN],
        ).distinct()
        Notification.objects.bulk_create(
            Notification(
                recipient=manager,
                title=f"Missed handoff: {handoff.title}"[:200],
                body=f"{handoff.team.name} did not acknowledge it in time.",
                url=handoff.get_absolute_url(),
            )
            for manager in managers
        )


# --- Sending alerts -----------------------------------------------------------------------------


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
    fields = (
        [("Due", timezone.localtime(handoff.due_at).strftime("%Y-%m-%d %H:%M"))]
        if handoff.due_at
        else []
    )
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
            _alert_create(alert.handoff, fallback, Alert.Purpose.FALLBACK, now, fallback_of=alert)


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
        transaction.on_commit(lambda: _enqueue_alert(alert.pk))
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


def team_ids_of(user: User) -> list[int]:
    return list(Membership.objects.filter(user=user).values_list("team_id", flat=True))
