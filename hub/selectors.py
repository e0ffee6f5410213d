"""Reads of the hub, aware of who is asking."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from hub import roles
from hub.models import AuditLog, Event, Invitation, Membership, Notification, Team, User


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
