"""What other apps add to a campaign's launch: the checks it must pass before it goes live, and
the sections its page shows. Apps register both in ``AppConfig.ready()``; the hub asks them
without knowing who they are (it imports no other app).

- ``register_check(name, provider)``: ``provider(campaigns) -> {campaign_id: [ReadinessItem]}``
  for a list of campaigns at once (lists and the API ask for a whole page in one go). An item
  that is not ``done`` keeps the campaign from going live, unless a manager overrides with a
  reason (``hub.business.campaign_set_status``).
- ``register_panel(name, provider, order=100)``: ``provider(campaign, request) -> str`` — safe
  HTML of one section of the campaign page ("" to show nothing), rendered by the app that owns
  it (with the request, so its forms carry the CSRF token).
- ``register_link(name, label, url_name)``: a button on the campaigns page leading to an upper
  app's page (e.g. "Plan a launch", "Calendar").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadinessItem:
    """One thing a team must confirm before a campaign goes live."""

    key: str
    team: str
    title: str
    done: bool
    detail: str = ""
    url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


CheckProvider = Callable[[Sequence[Any]], dict[int, list[ReadinessItem]]]
PanelProvider = Callable[[Any, Any], str]

_checks: dict[str, CheckProvider] = {}
_panels: dict[str, tuple[int, PanelProvider]] = {}
_links: dict[str, tuple[str, str]] = {}


def register_check(name: str, provider: CheckProvider) -> None:
    """Add (or replace) a provider of readiness items. Idempotent per name."""
    _checks[name] = provider


def register_panel(name: str, provider: PanelProvider, *, order: int = 100) -> None:
    """Add (or replace) a section of the campaign page. Idempotent per name."""
    _panels[name] = (order, provider)


def register_link(name: str, label: str, url_name: str) -> None:
    """Add (or replace) a button on the campaigns page. Idempotent per name."""
    _links[name] = (label, url_name)


def links() -> list[tuple[str, str]]:
    """(label, URL) of every registered button, by name."""
    from django.urls import reverse

    return [(label, reverse(url_name)) for _n, (label, url_name) in sorted(_links.items())]


def readiness_for(campaigns: Sequence[Any]) -> dict[int, list[ReadinessItem]]:
    """Every registered check's items, per campaign id (a campaign no check knows: [])."""
    out: dict[int, list[ReadinessItem]] = {c.pk: [] for c in campaigns}
    if not campaigns:
        return out
    for provider in _checks.values():
        for pk, items in provider(campaigns).items():
            out.setdefault(pk, []).extend(items)
    return out


def readiness(campaign: Any) -> list[ReadinessItem]:
    return readiness_for([campaign])[campaign.pk]


def open_items(campaign: Any) -> list[ReadinessItem]:
    """The items that keep ``campaign`` from going live."""
    return [item for item in readiness(campaign) if not item.done]


def panels(campaign: Any, request: Any) -> list[SafeString]:
    """The sections upper apps add to the campaign page, in order (a failing one is left out
    and logged: one module's bug must not take the page down)."""
    out = []
    for name, (_order, provider) in sorted(_panels.items(), key=lambda kv: (kv[1][0], kv[0])):
        try:
            html = provider(campaign, request)
        except Exception:
            logger.exception("Campaign panel %s failed", name)
            continue
        if html:
            out.append(mark_safe(html))  # noqa: S308 - rendered by the owning app's template
    return out
