"""SLAs: open handoffs past their due time become missed, escalate, and record an event."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from handoffs.models import Alert, Channel, Handoff
from handoffs.services.outbox import alert_create, inbox_channel_for
from hub import events
from hub.models import Notification, Role, User


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
        channels.append(inbox_channel_for(rule.escalate_to_team))
        channels += list(
            rule.escalate_to_team.channels.filter(enabled=True).exclude(kind=Channel.Kind.INBOX)
        )
    for channel in dict.fromkeys(channels):
        alert_create(handoff, channel, Alert.Purpose.ESCALATION, now)
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
