from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

from hub import roles


def role_required(minimum: str) -> Callable:
    """Views: 403 unless the signed-in person holds at least ``minimum``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not roles.has_role(request.user, minimum):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


member_required = role_required("member")
manager_required = role_required("manager")
admin_required = role_required("admin")
