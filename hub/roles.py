"""Who may do what. A person's role is the highest role of their team memberships; Django
superusers count as admins."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from hub.models import ROLE_RANK, Role, User

_CACHE_ATTR = "_crossdock_role"


def role_of(user: User | AnonymousUser) -> str | None:
    """The person's highest role, or None for an outsider (signed out or in no team)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if hasattr(user, _CACHE_ATTR):
        return getattr(user, _CACHE_ATTR)
    if user.is_superuser:
        role: str | None = Role.ADMIN
    else:
        roles = list(user.memberships.values_list("role", flat=True))
        role = max(roles, key=lambda r: ROLE_RANK[Role(r)]) if roles else None
    setattr(user, _CACHE_ATTR, role)
    return role


def forget(user: User) -> None:
    """Drop the cached role after a membership change in the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user: User | AnonymousUser, minimum: str) -> bool:
    role = role_of(user)
    return role is not None and ROLE_RANK[Role(role)] >= ROLE_RANK[Role(minimum)]


def is_member(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.MEMBER)


def is_manager(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.MANAGER)


def is_admin(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.ADMIN)
