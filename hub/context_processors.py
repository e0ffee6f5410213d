from django.http import HttpRequest

from hub import roles, selectors

MODULES = [
    ("workflows", "Workflows", "workflows:index"),
    ("kpis", "KPIs", "kpis:index"),
    ("campaigns", "Campaigns", "campaign_list"),
    ("handoffs", "Handoffs", "handoffs:index"),
    ("feedback", "Feedback", "feedback:index"),
    ("standups", "Standups", "standups:index"),
    ("wiki", "Docs", "wiki:index"),
]


def navigation(request: HttpRequest) -> dict:
    """Navigation, the person's role and their unread inbox count, for every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_modules": MODULES}
    return {
        "nav_modules": MODULES,
        "unread_count": selectors.unread_count(user),
        "is_admin": roles.is_admin(user),
        "is_manager": roles.is_manager(user),
        "current_role": roles.role_of(user),
    }
