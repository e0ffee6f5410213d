"""Handoffs: create one (with its alerts in the outbox), acknowledge it, mark it done.

Every writer is safe to run twice: a handoff is unique per rule, event and team, and
acknowledging is a conditional UPDATE.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from handoffs.models import Alert, Channel, Handoff, HandoffComment, Rule
from handoffs.selectors import may_acknowledge
from handoffs.services.outbox import alert_create, inbox_channel_for, notify
from hub import audit, links, roles
from hub.errors import DomainError
from hub.models import Event, Membership, Notification, Team, User


def _check_may_act(user: User | None, handoff: Handoff) -> str:
    """The "as admin" suffix to record, or raise: people outside the team cannot act on it."""
    if user is None:
        raise DomainError(
            "Sign in to acknowledge this handoff: only its team's members can.", code="forbidden"
        )
    if not may_acknowledge(user, handoff):
        raise DomainError(
            f"Only members of {handoff.team.name} can acknowledge this handoff. "
            "Hand it on to another team instead if it is not yours.",
            code="forbidden",
        )
    if Membership.objects.filter(user=user, team_id=handoff.team_id).exists():
        return ""
    return ", as admin"


def _inbox_mark_read(handoff: Handoff, now: datetime) -> None:
    # The in-app copies of this handoff are dealt with once it is acknowledged.
    Notification.objects.filter(url=handoff.get_absolute_url(), read_at__isnull=True).update(
        read_at=now
    )


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
    unevaluated: bool = False,
) -> Handoff:
    """Create a handoff and its alerts (the outbox) in one transaction; send after commit.

    Idempotent per (rule, event, team): a second call returns the existing handoff.
    ``unevaluated``: the caller (rule evaluation) has just written this rule's first
    evaluation of this event in its transaction, which commits with the handoffs, so no
    handoff of them exists and neither a lookup nor a savepoint is needed (a concurrent run of
    the same event waits on that evaluation's unique key and then does nothing).
    """
    now = now or timezone.now()
    if link and not links.is_site_path(link):
        raise DomainError(LINK_PROBLEM, field="link")
    if due_at is None and sla_minutes:
        due_at = now + timedelta(minutes=sla_minutes)
    # No savepoint inside a caller's transaction: an error here rolls back the caller's work.
    with transaction.atomic(savepoint=False):
        handoff = Handoff(
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
        if unevaluated:
            handoff.save(force_insert=True)
        else:
            if rule is not None and event is not None:
                existing = Handoff.objects.filter(rule=rule, event=event, team=team).first()
                if existing:
                    return existing
            try:
                with transaction.atomic():
                    handoff.save(force_insert=True)
            except IntegrityError:
                return Handoff.objects.get(rule=rule, event=event, team=team)
        channels = [inbox_channel_for(team)]
        if rule is not None:
            channels += [c for c in rule.channels.all() if c.team_id == team.pk and c.enabled]
        else:
            channels += list(team.channels.filter(enabled=True).exclude(kind=Channel.Kind.INBOX))
        for channel in dict.fromkeys(channels):
            alert_create(handoff, channel, Alert.Purpose.NOTIFY, now, new_handoff=True)
    return handoff


@transaction.atomic
def handoff_acknowledge(
    *, handoff: Handoff, user: User | None, via: str = "app", now: datetime | None = None
) -> bool:
    """Acknowledge an open (or missed) handoff and mark its inbox items read.

    Returns False if it was already acknowledged; raises DomainError (code "forbidden") for a
    person outside the receiving team who is not an admin (admins are recorded as such).
    """
    now = now or timezone.now()
    via = via + _check_may_act(user, handoff)
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
        _inbox_mark_read(handoff, now)
    return bool(updated)


@transaction.atomic
def handoff_done(*, handoff: Handoff, user: User, now: datetime | None = None) -> bool:
    """Mark a handoff done (acknowledging it too, if it was not); same people as acknowledging."""
    now = now or timezone.now()
    via = "app" + _check_may_act(user, handoff)
    fields: dict[str, Any] = {"status": Handoff.Status.DONE}
    if handoff.acknowledged_at is None:
        fields.update(acknowledged_by=user, acknowledged_at=now, acknowledged_via=via)
    updated = (
        Handoff.objects.filter(pk=handoff.pk).exclude(status=Handoff.Status.DONE).update(**fields)
    )
    if updated:
        audit.record(actor=user, action="handoff.done", obj=handoff)
        _inbox_mark_read(handoff, now)
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


@transaction.atomic
def handoff_reassign(
    *, handoff: Handoff, team: Team, user: User, note: str = "", now: datetime | None = None
) -> Handoff:
    """Hand an open handoff on to another team, which is alerted as if it had been its own.

    Any member may do it (it is how people outside the team act on work that is not theirs);
    the previous team and the note are kept in the audit log. Re-running it is a no-op.
    """
    now = now or timezone.now()
    if not roles.is_member(user):
        raise DomainError("Sign in as a team member to hand work on.", code="forbidden")
    if handoff.status not in (Handoff.Status.OPEN, Handoff.Status.MISSED):
        raise DomainError("Only an open or missed handoff can be handed on.")
    if team.pk == handoff.team_id:
        return handoff
    previous = handoff.team
    if (
        handoff.rule_id
        and handoff.event_id
        and Handoff.objects.filter(rule_id=handoff.rule_id, event_id=handoff.event_id, team=team)
        .exclude(pk=handoff.pk)
        .exists()
    ):
        raise DomainError(f"{team.name} already has this handoff.", field="team")
    Handoff.objects.filter(pk=handoff.pk).update(team=team, status=Handoff.Status.OPEN)
    handoff.refresh_from_db()
    channels = [inbox_channel_for(team)]
    channels += list(team.channels.filter(enabled=True).exclude(kind=Channel.Kind.INBOX))
    for channel in dict.fromkeys(channels):
        alert_create(handoff, channel, Alert.Purpose.NOTIFY, now)
    audit.record(
        actor=user,
        action="handoff.reassign",
        obj=handoff,
        changes={"from": previous.name, "to": team.name, "note": note[:500]},
    )
    return handoff


@transaction.atomic
def handoff_comment_add(
    *, handoff: Handoff, author: User, body: str, now: datetime | None = None
) -> HandoffComment:
    """Comment on a handoff (anyone who may see it: members of any team). Tells the receiving
    team's members and earlier commenters, never the author, through ``notify``. Audited.
    Raises DomainError for an empty or oversized comment and writes nothing then."""
    if not roles.is_member(author):
        raise DomainError("Only members of a team can comment on handoffs.", code="forbidden")
    body = (body or "").strip()
    if not body:
        raise DomainError("Write something to comment.", field="body")
    if "\x00" in body:
        raise DomainError("A comment cannot contain NUL characters.", field="body")
    if len(body) > HandoffComment.MAX_LENGTH:
        raise DomainError(
            f"A comment can be at most {HandoffComment.MAX_LENGTH} characters; "
            f"this one has {len(body)}.",
            field="body",
        )
    now = now or timezone.now()
    comment = HandoffComment.objects.create(
        handoff=handoff, author=author, body=body, created_at=now
    )
    audit.record(
        actor=author, action="handoff.comment", obj=handoff, changes={"comment": comment.pk}
    )
    recipients = User.objects.filter(is_active=True).filter(
        Q(memberships__team_id=handoff.team_id)
        | Q(pk__in=handoff.comments.exclude(pk=comment.pk).values("author_id"))
    )
    excerpt = body if len(body) <= 280 else body[:279] + "…"
    for person in recipients.exclude(pk=author.pk).distinct().order_by("pk"):
        notify(
            to=person,
            title=f"{author.display_name} commented on “{handoff.title}”"[:200],
            body=excerpt,
            link=f"{handoff.get_absolute_url()}#comment-{comment.pk}",
            link_label="Open the handoff",
            dedupe_key=f"handoff-comment:{comment.pk}",
            now=now,
        )
    return comment
