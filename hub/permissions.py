from rest_framework.permissions import SAFE_METHODS, BasePermission

from hub import roles


class IsTeamMember(BasePermission):
    """Signed in (session or token), active, and in at least one team."""

    message = "Sign in as a member of a Crossdock team."

    def has_permission(self, request, view) -> bool:
        return roles.is_member(request.user)


class IsAdminOrReadOnly(BasePermission):
    """Members read; only admins write."""

    message = "Only admins can change this."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return roles.is_member(request.user)
        return roles.is_admin(request.user)


class IsAdminRole(BasePermission):
    message = "Only admins can see this."

    def has_permission(self, request, view) -> bool:
        return roles.is_admin(request.user)
