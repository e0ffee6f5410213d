"""What a handoff is about, in words: the object its link points at, by name.

A handoff's ``link`` is a path on this site ("/campaigns/5/"). Its page shows what that path is
("Campaign: Riverside weekend"), and links to it only when the viewer may open it. Each app
describes its own pages: ``register(url_name, describe)`` from its ``AppConfig.ready()``, where
``describe(user, kwargs, query)`` returns (name, whether the user may open it), or None.
The describers for the hub's shared facts and for handoffs' own pages are registered here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.urls import Resolver404, resolve

from handoffs.templatetags.handoffs_extras import link_label
from hub import roles
from hub.links import is_site_path
from hub.models import Campaign, Event, PromoCode, Team, User, Zone


@dataclass(frozen=True)
class Subject:
    """A linked object's name; ``url`` is empty when the viewer may not open it."""

    label: str
    url: str = ""


# (the object's name, whether the viewer may open it), or None for a link it does not know.
Described = tuple[str, bool]
Describer = Callable[[User, Mapping[str, Any], Mapping[str, str]], Described | None]
_describers: dict[str, Describer] = {}


def register(url_name: str, describe: Describer) -> None:
    """Name the objects behind the URL ``url_name`` (namespaced, e.g. "wiki:page").
    Registering a name again replaces its describer (``ready()`` may run twice in tests)."""
    _describers[url_name] = describe


def describe(user: User, path: str) -> Subject | None:
    """What ``path`` points at, for ``user``: its object's name, linked when the user may open
    it; a generic name for pages nobody described; None for no link. Reads only."""
    if not path or not is_site_path(path):
        return None
    parts = urlsplit(path)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return Subject("A page that no longer exists")
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if v}
    describer = _describers.get(match.view_name)
    if describer is not None:
        found = describer(user, match.kwargs, query)
        if found is not None:
            label, may_open = found
            return Subject(label, path if may_open else "")
    return Subject(link_label(path), path)


def _int(value: Any) -> int:
    """The id in a URL or query; 0 (no row has it) when it is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _gone(what: str) -> Described:
    return (f"{what} (no longer exists)", False)


# --- The hub's shared facts -------------------------------------------------------------------


def _campaign(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]) -> Described:
    campaign = Campaign.objects.filter(pk=_int(kwargs.get("pk"))).only("pk", "name").first()
    if campaign is None:
        return _gone("A campaign")
    return (f"Campaign: {campaign.name}", roles.is_member(user))


def _promo_code(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]) -> Described:
    promo = PromoCode.objects.filter(pk=_int(kwargs.get("pk"))).only("pk", "code").first()
    if promo is None:
        return _gone("A promo code")
    return (f"Promo code {promo.code}", roles.is_member(user))


def _team(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]) -> Described:
    team = Team.objects.filter(slug=kwargs.get("slug", "")).only("slug", "name").first()
    if team is None:
        return _gone("A team")
    return (f"Team: {team.name}", roles.is_member(user))


def _zone(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]) -> Described:
    zone = Zone.objects.filter(pk=_int(kwargs.get("pk"))).first()
    if zone is None:
        return _gone("A zone")
    return (f"Zone: {zone.name}", roles.is_admin(user))


# --- Handoffs' own pages ---------------------------------------------------------------------


def _event_words(event: Event) -> str:
    return f"{event.type} event #{event.pk}"


def _explain(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]) -> Described | None:
    event = Event.objects.filter(pk=_int(query.get("event"))).only("pk", "type").first()
    if event is None:
        return None
    return (f"Why it was raised: {_event_words(event)}", roles.is_member(user))


def _event(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]) -> Described:
    event = Event.objects.filter(pk=_int(kwargs.get("pk"))).only("pk", "type").first()
    if event is None:
        return _gone("An event")
    return (f"Event: {_event_words(event)}", roles.is_admin(user))


def _handoff(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]) -> Described:
    from handoffs.models import Handoff

    handoff = Handoff.objects.filter(pk=_int(kwargs.get("pk"))).only("pk", "title").first()
    if handoff is None:
        return _gone("A handoff")
    return (f"Handoff: {handoff.title}", roles.is_member(user))


def _integration(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]) -> Described:
    from handoffs.models import Integration

    integration = Integration.objects.filter(pk=_int(kwargs.get("pk"))).first()
    if integration is None:
        return _gone("An integration")
    return (f"Integration: {integration.name}", roles.is_admin(user))


def _rule(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]) -> Described:
    from handoffs.models import Rule

    rule = Rule.objects.filter(pk=_int(kwargs.get("pk"))).only("pk", "name").first()
    if rule is None:
        return _gone("A rule")
    return (f"Rule: {rule.name}", roles.is_admin(user))


register("campaign_detail", _campaign)
register("campaign_edit", _campaign)
register("promo_code_edit", _promo_code)
register("team_detail", _team)
register("zone_edit", _zone)
register("handoffs:explain", _explain)
register("handoffs:event_detail", _event)
register("handoffs:handoff_detail", _handoff)
register("handoffs:integration_detail", _integration)
register("handoffs:rule_detail", _rule)
