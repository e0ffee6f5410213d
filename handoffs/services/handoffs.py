"""Handoffs: create one (with its alerts in the outbox), acknowledge it, mark it done.

Every writer is safe to run twice: a handoff is unique per rule, event and team, and
acknowledging is a conditional UPDATE.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from handoffs.models import Alert, Channel, Handoff, Rule
from handoffs.services.outbox import alert_create, inbox_channel_for
from hub import audit, links
from hub.errors import DomainError
from hub.models import Event, Team, User

LINK_PROBLEM = "A link must point to a page of Crossdock: a path on this site, like /handoffs/12/."


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
    if link and not links.is_site_path(link):
        raise DomainError(LINK_PROBLEM, field="link")
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
        channels = [inbox_channel_for(team)]
        if rule is not None:
            channels += [c for c in rule.channels.all() if c.team_id == team.pk and c.enabled]
        else:
            channels += list(team.channels.filter(enabled=True).exclude(kind=Channel.Kind.INBOX))
        for channel in dict.fromkeys(channels):
            alert_create(handoff, channel, Alert.Purpose.NOTIFY, now)
    return handoff


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


@transaction.atomic
def handoff_hand_over(
    *,
    actor: User,
    team: Team,
    title: str,
    body: str = "",
    link: str = "",
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> Handoff:
    """A person hands work to a team (page or API alike): sent from the person's own team, with
    a link only to a page of Crossdock; alerts go out after commit. Audited."""
    title = title.strip()
    if not title:
        raise DomainError("Say what needs doing.", field="title")
    link = link.strip()
    if link and not links.is_site_path(link):
        raise DomainError(LINK_PROBLEM, field="link")
    now = now or timezone.now()
    if due_at is not None and due_at <= now:
        raise DomainError("The deadline must be in the future.", field="due_at")
    from_team = Team.objects.filter(memberships__user=actor).order_by("id").first()
    handoff = handoff_create(
        team=team,
        title=title,
        body=body.strip(),
        link=link,
        created_by=actor,
        from_team=from_team,
        requires_ack=True,
        due_at=due_at,
        now=now,
    )
    audit.record(actor=actor, action="handoff.create", obj=handoff)
    return handoff
