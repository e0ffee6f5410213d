"""Reads of the hub, aware of who is asking."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from hub import roles
from hub.models import (
    AuditLog,
    Driver,
    Event,
    Invitation,
    Membership,
    Notification,
    Team,
    User,
)


def team_list() -> QuerySet[Team]:
    return Team.objects.annotate(member_count=Count("memberships")).order_by("name")


def get_team_for_user(user: User, slug: str, *, write: bool = False) -> Team:
    """The team, for any member of the company; ``write`` requires an admin."""
    if not roles.is_member(user):
        raise PermissionDenied
    if write and not roles.is_admin(user):
        raise PermissionDenied
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise Http404("No such team.")
    return team


def team_memberships(team: Team) -> QuerySet[Membership]:
    return team.memberships.select_related("user").order_by("user__first_name", "user__email")


def people_list() -> QuerySet[User]:
    return User.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("team"))
    ).order_by("-is_active", "first_name", "email")


def get_person_for_admin(user: User, pk: int) -> User:
    if not roles.is_admin(user):
        raise PermissionDenied
    person = User.objects.filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    return person


def pending_invitations() -> QuerySet[Invitation]:
    return Invitation.objects.filter(accepted_at__isnull=True).select_related("team", "invited_by")


def user_teams(user: User) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user).order_by("name")


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def event_list(
    *,
    source: str | None = None,
    type: str | None = None,
    status: str | None = None,
    integration_id: int | None = None,
    unmapped: bool | None = None,
) -> QuerySet[Event]:
    qs = Event.objects.all().order_by("-id")
    if integration_id is not None:
        qs = qs.filter(integration_id=integration_id)
    if unmapped is not None:
        qs = qs.filter(unmapped=unmapped)
    if source:
        qs = qs.filter(source=source)
    if type:
        qs = qs.filter(type=type)
    if status:
        qs = qs.filter(status=status)
    return qs


def audit_list(*, action: str | None = None, actor_id: int | None = None) -> QuerySet[AuditLog]:
    qs = AuditLog.objects.select_related("actor").order_by("-at", "-id")
    if action:
        qs = qs.filter(action=action)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    return qs


def audit_actions() -> list[str]:
    return list(AuditLog.objects.order_by("action").values_list("action", flat=True).distinct())


# --- Drivers --------------------------------------------------------------------------------


def can_edit_drivers(user: User) -> bool:
    """Operations keep the driver list; managers and admins too."""
    if roles.is_manager(user):
        return True
    return (
        roles.is_member(user)
        and Membership.objects.filter(user=user, team__kind=Team.Kind.OPERATIONS).exists()
    )


def driver_list(user: User, *, search: str = "", active: bool | None = None) -> QuerySet[Driver]:
    """Drivers a member may see, by name, with their zone."""
    if not roles.is_member(user):
        raise PermissionDenied
    qs = Driver.objects.select_related("zone").order_by("name", "id")
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(email__icontains=search) | Q(phone__icontains=search)
        )
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def get_driver_for_user(user: User, pk: int, *, write: bool = False) -> Driver:
    """The driver; 404 if there is none, PermissionDenied for outsiders (and for those who do
    not keep the list when ``write``)."""
    if not roles.is_member(user) or (write and not can_edit_drivers(user)):
        raise PermissionDenied
    driver = Driver.objects.select_related("zone").filter(pk=pk).first()
    if driver is None:
        raise Http404("No such driver.")
    return driver


def drivers_to_survey(ids: list[int] | None = None) -> QuerySet[Driver]:
    """Active drivers with an email address (only those of ``ids`` when given): whom a driver
    survey goes to."""
    qs = Driver.objects.filter(active=True).exclude(email="").order_by("id")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs


def driver_choices() -> QuerySet[Driver]:
    """Drivers to pick from (a survey's chosen drivers): active first, then by name."""
    return Driver.objects.order_by("-active", "name", "id")
