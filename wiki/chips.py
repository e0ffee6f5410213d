"""Where other modules tell docs about their objects, without docs importing them.

Two seams, filled from a module's ``AppConfig.ready()`` (as ``hub.home.register``)::

    from wiki import chips

    # A link in a page to /workflows/maps/7/ renders as a chip named after the map.
    chips.register_labels("map", maps_for_chips)   # (user, ["7", "9"]) -> {"7": Chip(...)}

    # A page shows what points at it, e.g. the pilot whose write-up it is.
    chips.register_related("workflows.pilots", pilots_for_page)  # (user, page) -> [Related]

Providers read through their own module's selectors, answer only what ``user`` may see, and
cost one query per call (chips of one kind on a page are asked for together).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Chip:
    label: str
    state: str = ""


@dataclass(frozen=True)
class Related:
    """Something that points at a page: shown under the page's title."""

    label: str
    url: str
    note: str = ""


LabelProvider = Callable[[Any, list[str]], dict[str, Chip]]
RelatedProvider = Callable[[Any, Any], list[Related]]

_labels: dict[str, LabelProvider] = {}
_related: dict[str, RelatedProvider] = {}


def register_labels(kind: str, provider: LabelProvider) -> None:
    """Name the chips of ``kind`` (a kind of ``wiki.rendering.OBJECT_PATTERNS``). Replaces an
    earlier provider of the same kind."""
    _labels[kind] = provider


def register_related(name: str, provider: RelatedProvider) -> None:
    """Show what points at a page (e.g. the pilot a write-up belongs to)."""
    _related[name] = provider


def labels_for(user: Any, kind: str, keys: list[str]) -> dict[str, Chip]:
    provider = _labels.get(kind)
    return provider(user, keys) if provider and keys else {}


def related_to(user: Any, page: Any) -> list[Related]:
    return [item for provider in _related.values() for item in provider(user, page)]
