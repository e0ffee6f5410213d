"""The only writers of the hub's people, teams and inbox. Each is atomic and audited."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from hub import audit, events, messaging, roles
from hub.errors import DomainError
from hub.models import Driver, Invitation, Membership, Notification, Role, Team, User, Zone

INVITATION_DAYS = 7


# --- Teams --------------------------------------------------------------------------------


def _unique_slug(name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:70] or "team"
    slug, n = base, 2
    taken = Team.objects.all() if exclude_pk is None else Team.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def team_create(*, actor: User | None, name: str, kind: str, description: str = "") -> Team:
    """Create a team (a company function). Raises DomainError if the name is taken."""
    name = name.strip()
    if not name:
        raise DomainError("Give the team a name.", field="name")
    if Team.objects.filter(name__iexact=name).exists():
        raise DomainError(f"A team called “{name}” already exists.", field="name")
    team = Team.objects.create(
        name=name, slug=_unique_slug(name), kind=kind, description=description.strip()
    )
    audit.record(actor=actor, action="team.create", obj=team, changes={"name": name, "kind": kind})
    return team


@transaction.atomic
def team_update(*, actor: User, team: Team, name: str, kind: str, description: str = "") -> Team:
    """Rename or re-describe a team. Raises DomainError if the new name is taken."""
    name = name.strip()
    if not name:
        raise DomainError("Give the team a name.", field="name")
    if Team.objects.filter(name__iexact=name).exclude(pk=team.pk).exists():
        raise DomainError(f"A team called “{name}” already exists.", field="name")
    before = {"name": team.name, "kind": team.kind, "description": team.description}
    team.name, team.kind, team.description = name, kind, description.strip()
    if before["name"] != name:
        team.slug = _unique_slug(name, exclude_pk=team.pk)
    team.save()
    after = {"name": team.name, "kind": team.kind, "description": team.description}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit.record(actor=actor, action="team.update", obj=team, changes=changes)
    return team


@transaction.atomic
def team_delete(*, actor: User, team: Team) -> None:
    """Delete a team that has no members left."""
    if team.memberships.exists():
        raise DomainError("Move or remove the team's members before deleting it.")
    audit.record(actor=actor, action="team.delete", obj=team)
    team.delete()


def _another_admin_remains(*, without: Membership | None = None, user: User | None = None) -> bool:
    """True if some active admin remains once ``without`` (or all of ``user``'s roles) go."""
    memberships = Membership.objects.filter(role=Role.ADMIN, user__is_active=True)
    superusers = User.objects.filter(is_active=True, is_superuser=True)
    if without is not None:
        memberships = memberships.exclude(pk=without.pk)
    if user is not None:
        memberships = memberships.exclude(user=user)
        superusers = superusers.exclude(pk=user.pk)
    return memberships.exists() or superusers.exists()


# --- Memberships ----------------------------------------------------------------------------


@transaction.atomic
def membership_set(*, actor: User, team: Team, user: User, role: str) -> Membership:
    """Add ``user`` to ``team`` with ``role``, or change their role there. Idempotent."""
    if role not in Role.values:
        raise DomainError("Choose member, manager or admin.", field="role")
    membership = Membership.objects.select_for_update().filter(team=team, user=user).first()
    if membership is None:
        membership = Membership.objects.create(team=team, user=user, role=role)
        audit.record(
            actor=actor, action="membership.create", obj=membership, changes={"role": role}
        )
    elif membership.role != role:
        if membership.role == Role.ADMIN and not _another_admin_remains(without=membership):
            raise DomainError("Crossdock needs at least one admin: make someone else admin first.")
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(
            actor=actor, action="membership.update", obj=membership, changes={"role": [old, role]}
        )
    roles.forget(user)
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """Take a person out of a team; the last admin cannot be removed."""
    if membership.role == Role.ADMIN and not _another_admin_remains(without=membership):
        raise DomainError("Crossdock needs at least one admin: make someone else admin first.")
    audit.record(actor=actor, action="membership.delete", obj=membership)
    membership.delete()
    roles.forget(membership.user)


# --- People and invitations ---------------------------------------------------------------


def _normalise_email(email: str) -> str:
    return email.strip().lower()


@transaction.atomic
def invitation_create(
    *, actor: User, email: str, team: Team, role: str, base_url: str | None = None
) -> Invitation | Membership:
    """Invite ``email`` to ``team``. Someone who already has an account is simply added.

    Sends the invitation email after commit.
    """
    email = _normalise_email(email)
    if not email or "@" not in email:
        raise DomainError("Enter the email address of the person to invite.", field="email")
    if role not in Role.values:
        raise DomainError("Choose member, manager or admin.", field="role")
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        membership = membership_set(actor=actor, team=team, user=existing, role=role)
        notification_create(
            recipient=existing,
            title=f"You were added to {team.name}",
            body=f"{actor.display_name} added you as {role}.",
            url=reverse("team_detail", args=[team.slug]),
        )
        return membership
    now = timezone.now()
    invitation = Invitation.objects.filter(email=email, accepted_at__isnull=True).first()
    if invitation is None:
        invitation = Invitation(email=email)
    # Inviting again renews the pending invitation (new link, new expiry) instead of
    # piling up a second one.
    invitation.team, invitation.role, invitation.invited_by = team, role, actor
    invitation.token = secrets.token_urlsafe(32)
    invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
    invitation.save()
    audit.record(
        actor=actor,
        action="invitation.create",
        obj=invitation,
        changes={"email": email, "team": team.name, "role": role},
    )
    _invitation_send(invitation, actor, base_url)
    return invitation


def _invitation_send(invitation: Invitation, actor: User, base_url: str | None) -> None:
    """Email the link through the outbox once the invitation commits (retried if the mail
    server is down; a failure shows on the channels page like any other)."""
    link = (base_url or settings.SITE_URL).rstrip("/") + reverse(
        "invitation_accept", args=[invitation.token]
    )
    context = {"invitation": invitation, "link": link, "inviter": actor, "days": INVITATION_DAYS}
    messaging.send(
        to=invitation.email,
        title=f"{actor.display_name} invited you to Crossdock",
        body=render_to_string("hub/email/invitation_body.txt", context).strip(),
        link=link,
        link_label="Accept the invitation",
        dedupe_key=f"invitation:{invitation.pk}:{invitation.token[:12]}",
    )


@transaction.atomic
def invitation_resend(
    *, actor: User, invitation: Invitation, base_url: str | None = None
) -> Invitation:
    """Send a pending invitation again with a fresh link and expiry."""
    if invitation.accepted_at:
        raise DomainError("This invitation was accepted already.")
    invitation.token = secrets.token_urlsafe(32)
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["token", "expires_at"])
    audit.record(actor=actor, action="invitation.resend", obj=invitation)
    _invitation_send(invitation, actor, base_url)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    """Withdraw a pending invitation: its link stops working."""
    if invitation.accepted_at:
        raise DomainError("This invitation was accepted already.")
    audit.record(actor=actor, action="invitation.revoke", obj=invitation)
    invitation.delete()


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, first_name: str, last_name: str, password: str
) -> User:
    """Create the invited person with a verified email and their team membership. Single use."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable(timezone.now()):
        raise DomainError("This invitation was already used or has expired. Ask for a new one.")
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise DomainError("An account with this email exists already: sign in instead.")
    user = User(
        username=_username_for(invitation.email),
        email=invitation.email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password1") from exc
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Membership.objects.create(user=user, team=invitation.team, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    Invitation.objects.filter(email=invitation.email, accepted_at__isnull=True).delete()
    audit.record(actor=user, action="invitation.accept", obj=invitation)
    _person_joined(user, invitation.team, invitation.role, invitation.invited_by)
    return user


def _person_joined(user: User, team: Team, role: str, invited_by: User | None) -> None:
    # Modules welcome a new hire by subscribing (wiki: the onboarding checklist); one event
    # per person, so a second team later is not a second welcome.
    events.record(
        "hub",
        "hub.person.joined",
        f"user:{user.pk}",
        {
            "user_id": user.pk,
            "name": user.display_name,
            "team_id": team.pk,
            "team": team.name,
            "team_slug": team.slug,
            "role": role,
            "invited_by_id": invited_by.pk if invited_by else None,
        },
        occurred_at=timezone.now(),
        subject=f"user:{user.pk}",
    )


def _username_for(email: str) -> str:
    base = email.split("@", 1)[0][:100] or "user"
    username, n = base, 2
    while User.objects.filter(username=username).exists():
        username, n = f"{base}{n}", n + 1
    return username


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate (or reactivate) a person. They keep their history but can no longer sign in."""
    if user.pk == actor.pk and not active:
        raise DomainError("You cannot deactivate yourself.")
    if not active and not _another_admin_remains(user=user):
        raise DomainError("Crossdock needs at least one admin: make someone else admin first.")
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record(actor=actor, action="user.activate" if active else "user.deactivate", obj=user)
    return user


# --- Inbox ----------------------------------------------------------------------------------


def notification_create(
    *, recipient: User, title: str, body: str = "", url: str = ""
) -> Notification:
    """Put one message in a person's in-app inbox."""
    return Notification.objects.create(
        recipient=recipient, title=title[:200], body=body, url=url[:500]
    )


def notification_mark_read(*, user: User, notification_id: int) -> int:
    """Mark one of the user's notifications read. Idempotent; returns rows changed."""
    return Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=timezone.now())


def notification_mark_all_read(*, user: User) -> int:
    """Mark all the user's unread notifications read. Idempotent; returns rows changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def zone_save(*, actor: User, zone: Zone | None, fields: dict[str, Any]) -> Zone:
    """Create or change a delivery zone (name, code, launch date, Onfleet team, postal codes)."""
    creating = zone is None
    zone = zone or Zone()
    changes = {}
    for name in ("name", "code", "launched_on", "dispatch_team_id", "postal_codes"):
        if name in fields and getattr(zone, name) != fields[name]:
            changes[name] = str(fields[name])
            setattr(zone, name, fields[name])
    zone.save()
    audit.record(
        actor=actor, action="zone.create" if creating else "zone.update", obj=zone, changes=changes
    )
    return zone


# --- Drivers --------------------------------------------------------------------------------

DRIVER_FIELDS = ("name", "email", "phone", "dispatch_id", "zone", "active")


def _require_driver_editor(actor: User) -> None:
    from hub import selectors

    if not selectors.can_edit_drivers(actor):
        raise DomainError("Operations and managers keep the driver list.", code="forbidden")


@transaction.atomic
def driver_save(*, actor: User, data: dict[str, Any], driver: Driver | None = None) -> Driver:
    """Create or change a driver entered by hand (name, email, phone, Onfleet worker id, zone,
    active). An email or worker id belongs to one driver. Audited."""
    from hub import facts

    _require_driver_editor(actor)
    creating = driver is None
    driver = driver or Driver()
    changes: dict[str, str] = {}
    for name in DRIVER_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "email":
            value = facts.normalise_email(value)
            if value:
                try:
                    validate_email(value)
                except ValidationError as exc:
                    raise DomainError(f"“{value}” is not an email address.", field="email") from exc
        elif name == "phone":
            value = facts.normalise_phone(value) if (value or "").strip() else ""
            if (data[name] or "").strip() and not value:
                raise DomainError("That phone number is too short.", field="phone")
        elif name == "dispatch_id":
            value = (value or "").strip()[:64] or None
        elif name == "name":
            value = " ".join((value or "").split())[:160]
        if getattr(driver, name) != value:
            changes[name] = str(value)
            setattr(driver, name, value)
    if not driver.name and not driver.email:
        raise DomainError("Give the driver a name or an email address.", field="name")
    if driver.email and Driver.objects.filter(email=driver.email).exclude(pk=driver.pk).exists():
        raise DomainError(f"Another driver has the address {driver.email}.", field="email")
    if (
        driver.dispatch_id
        and Driver.objects.filter(dispatch_id=driver.dispatch_id).exclude(pk=driver.pk).exists()
    ):
        raise DomainError("Another driver has that Onfleet worker id.", field="dispatch_id")
    driver.save()
    audit.record(
        actor=actor,
        action="driver.create" if creating else "driver.update",
        obj=driver,
        changes=changes,
    )
    return driver


@transaction.atomic
def drivers_import_csv(*, actor: User, text: str) -> dict[str, Any]:
    """Add or update drivers from a CSV with a header (name, email, phone, and optionally
    worker id / dispatch id, zone, active). A row matches an existing driver by worker id, then
    email; all rows or none. Each driver's change is audited. Returns {"created", "updated"}."""
    import csv
    import io

    from hub import facts

    _require_driver_editor(actor)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headings = {(h or "").strip().lower(): h for h in (reader.fieldnames or [])}
    if not ({"name", "email"} & headings.keys()):
        raise DomainError("The first line must name the columns: name, email, phone…", field="file")

    def col(row: dict[str, str], *names: str) -> str:
        for n in names:
            if n in headings:
                return (row.get(headings[n]) or "").strip()
        return ""

    zones = {z.code.lower(): z for z in Zone.objects.all()} | {
        z.name.lower(): z for z in Zone.objects.all()
    }
    created = updated = 0
    for line, row in enumerate(reader, start=2):
        if line > 5001:
            raise DomainError("At most 5,000 drivers a file; split it.", field="file")
        worker = col(row, "worker id", "dispatch id", "onfleet id", "dispatch_id")
        email = facts.normalise_email(col(row, "email", "email address"))
        existing = None
        if worker:
            existing = Driver.objects.filter(dispatch_id=worker).first()
        if existing is None and email:
            existing = Driver.objects.filter(email=email).first()
        data: dict[str, Any] = {"name": col(row, "name", "driver"), "email": email}
        phone = col(row, "phone", "phone number")
        if phone:
            data["phone"] = phone
        if worker:
            data["dispatch_id"] = worker
        zone_name = col(row, "zone").lower()
        if zone_name:
            if zone_name not in zones:
                raise DomainError(f"Row {line}: no zone called “{zone_name}”.", field="file")
            data["zone"] = zones[zone_name]
        active = col(row, "active").lower()
        if active:
            data["active"] = active not in ("0", "no", "false", "inactive")
        if existing is not None:
            data = {k: v for k, v in data.items() if v not in ("", None)}
        try:
            driver_save(actor=actor, driver=existing, data=data)
        except DomainError as exc:
            raise DomainError(f"Row {line}: {exc.message}", field="file") from exc
        if existing is None:
            created += 1
        else:
            updated += 1
    return {"created": created, "updated": updated}
