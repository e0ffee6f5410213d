from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping|get_item:key`` for dicts keyed by ids in templates."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key)


# What a page of the app is, in words, by its URL name: "About" shows this, not a raw path.
_PAGE_NAMES = {
    "handoffs:explain": "Why it was raised (Explain)",
    "handoffs:handoff_detail": "Handoff",
    "handoffs:event_detail": "Event",
    "handoffs:integration_detail": "Integration",
    "campaign_detail": "Campaign",
    "team_detail": "Team",
    "home": "Home",
    "kpis:index": "KPIs",
}


@register.filter
def link_label(url: str) -> str:
    """A readable name for an in-app link, e.g. "Why it was raised (Explain), event #2"."""
    from urllib.parse import parse_qs, urlsplit

    from django.urls import Resolver404, resolve

    parts = urlsplit(url or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return parts.netloc or url
    try:
        match = resolve(parts.path)
    except Resolver404:
        return "Open the page"
    name = _PAGE_NAMES.get(match.view_name)
    if name is None:
        name = match.url_name.replace("_", " ").capitalize() if match.url_name else "Open the page"
    query = parse_qs(parts.query)
    for key in ("event", "customer", "delivery", "campaign"):
        if query.get(key):
            return f"{name}: {key} #{query[key][0]}"
    if match.kwargs.get("pk"):
        return f"{name} #{match.kwargs['pk']}"
    for value in match.kwargs.values():
        return f"{name} {value}"
    return name
