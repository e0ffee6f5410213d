"""What docs show of workflow maps and pilots (the wiki.chips seam): a link to a map or a
pilot in a page is named after it, and a pilot's write-up page shows its pilot."""

from __future__ import annotations

from typing import Any

from wiki import chips
from workflows import selectors


def _ids(keys: list[str]) -> list[int]:
    return [int(k) for k in keys if k.isdigit()]


def map_chips(user: Any, keys: list[str]) -> dict[str, chips.Chip]:
    return {
        str(pk): chips.Chip(f"Workflow map: {m.name}", f"version {m.version}")
        for pk, m in selectors.maps_named(user, _ids(keys)).items()
    }


def _pilot_state(pilot: Any) -> str:
    state = pilot.get_status_display()
    return f"{state} · {pilot.get_decision_display()}" if pilot.decision else state


def pilot_chips(user: Any, keys: list[str]) -> dict[str, chips.Chip]:
    return {
        str(pk): chips.Chip(f"Pilot: {p.title}", _pilot_state(p))
        for pk, p in selectors.pilots_named(user, _ids(keys)).items()
    }


def pilots_for_page(user: Any, page: Any) -> list[chips.Related]:
    return [
        chips.Related(
            f"Write-up of the pilot “{p.title}”",
            p.get_absolute_url(),
            f"{_pilot_state(p)} · {p.starts_on:%d %b} – {p.ends_on:%d %b %Y}",
        )
        for p in selectors.pilots_written_up_in(user, page.pk)
    ]


def register() -> None:
    chips.register_labels("map", map_chips)
    chips.register_labels("pilot", pilot_chips)
    chips.register_related("workflows.pilots", pilots_for_page)
