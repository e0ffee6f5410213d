"""Outbound channels: the only writers of channels and teams' alert settings.

Pages and the API both call these, so a channel made either way is checked, signed and audited
the same: a webhook channel gets its signing secret here, an email channel's addresses are
checked here, and the in-app inbox is never made by hand (every team has one automatically).
"""

from __future__ import annotations

import secrets
from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from handoffs.channels import safety
from handoffs.models import Channel, TeamAlertSettings
from hub import audit
from hub.errors import DomainError
from hub.models import Team, User

KINDS_BY_HAND = [Channel.Kind.SLACK, Channel.Kind.EMAIL, Channel.Kind.TEAMS, Channel.Kind.WEBHOOK]
URL_KINDS = (Channel.Kind.SLACK, Channel.Kind.TEAMS, Channel.Kind.WEBHOOK)


def _clean_target(kind: str, target: str) -> str:
    target = target.strip()
    if kind in URL_KINDS:
        if not target.startswith(("https://", "http://")):
            raise DomainError("Paste the webhook URL (https://…).", field="target")
        try:
            safety.check_url(target)
        except safety.UnsafeURL as exc:
            raise DomainError(str(exc), field="target") from exc
    elif kind == Channel.Kind.EMAIL and target:
        addresses = [a.strip() for a in target.split(",") if a.strip()]
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError as exc:
                raise DomainError(f"“{address}” is not an email address.", field="target") from exc
        target = ", ".join(addresses)
    return target


def _check_fallback(channel: Channel | None, fallback: Channel | None) -> None:
    if fallback is None:
        return
    if channel is not None and fallback.pk == channel.pk:
        raise DomainError("A channel cannot fall back to itself.", field="fallback")
    if fallback.kind == Channel.Kind.INBOX:
        raise DomainError("Fall back to Slack, Teams, email or a webhook.", field="fallback")


@transaction.atomic
def channel_create(
    *,
    actor: User,
    team: Team,
    kind: str,
    name: str,
    target: str = "",
    fallback: Channel | None = None,
    enabled: bool = True,
) -> Channel:
    """Add an outbound channel to a team; a webhook channel gets its signing secret. Audited."""
    if kind not in KINDS_BY_HAND:
        raise DomainError("Choose Slack, email, Microsoft Teams or a webhook.", field="kind")
    name = name.strip()
    if not name:
        raise DomainError("Give the channel a name, e.g. #ops-alerts.", field="name")
    target = _clean_target(kind, target)
    _check_fallback(None, fallback)
    channel = Channel.objects.create(
        team=team,
        kind=kind,
        name=name[:120],
        target=target,
        fallback=fallback,
        enabled=enabled,
        signing_secret=secrets.token_hex(32) if kind == Channel.Kind.WEBHOOK else "",
    )
    audit.record(actor=actor, action="channel.create", obj=channel, changes={"kind": kind})
    return channel


@transaction.atomic
def channel_update(
    *,
    actor: User,
    channel: Channel,
    name: str | None = None,
    target: str | None = None,
    fallback: Channel | bool | None = False,
    enabled: bool | None = None,
) -> Channel:
    """Change a channel's name, target, fallback (None clears it) or switch. Audited."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    changes: dict[str, str] = {}
    if name is not None:
        if not name.strip():
            raise DomainError("Give the channel a name, e.g. #ops-alerts.", field="name")
        channel.name, changes["name"] = name.strip()[:120], name.strip()
    if target is not None:
        channel.target = _clean_target(channel.kind, target)
        changes["target"] = "changed"
    if fallback is not False:
        new_fallback = fallback if isinstance(fallback, Channel) else None
        _check_fallback(channel, new_fallback)
        channel.fallback = new_fallback
        changes["fallback"] = str(new_fallback or "")
    if enabled is not None:
        channel.enabled = enabled
        changes["enabled"] = str(enabled)
    channel.save()
    action = "channel.update"
    if set(changes) == {"enabled"}:
        action = "channel.enable" if enabled else "channel.disable"
    audit.record(actor=actor, action=action, obj=channel, changes=changes)
    return channel


@transaction.atomic
def channel_delete(*, actor: User, channel: Channel) -> None:
    """Delete a channel (its sent alerts go with it). The team inbox cannot be deleted."""
    if channel.kind == Channel.Kind.INBOX:
        raise DomainError("Every team keeps its in-app inbox.")
    audit.record(actor=actor, action="channel.delete", obj=channel)
    channel.delete()


@transaction.atomic
def team_alert_settings_set(
    *,
    actor: User,
    team: Team,
    quiet_start: time | None,
    quiet_end: time | None,
    daily_digest: bool,
    digest_hour: int,
) -> TeamAlertSettings:
    """A team's quiet hours and daily digest. Audited."""
    if not 0 <= digest_hour <= 23:
        raise DomainError("The digest hour is from 0 to 23.", field="digest_hour")
    if (quiet_start is None) != (quiet_end is None):
        raise DomainError("Give both ends of the quiet hours, or neither.", field="quiet_end")
    found, _ = TeamAlertSettings.objects.update_or_create(
        team=team,
        defaults={
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
            "daily_digest": daily_digest,
            "digest_hour": digest_hour,
        },
    )
    audit.record(actor=actor, action="team.alert_settings", obj=team)
    return found
