"""The monthly KPI review's pilots section: running and finished pilots with their results."""

from __future__ import annotations

from datetime import date

from workflows import selectors


def review_items(month: date) -> list[dict[str, str]]:
    return [
        {
            "text": s.pilot.title,
            "url": s.pilot.get_absolute_url(),
            "note": (
                f"{s.pilot.get_status_display()}"
                + (f" · {s.pilot.get_decision_display()}" if s.pilot.decision else "")
                + (f" · {s.result.statement}" if s.result else "")
            ),
        }
        for s in selectors.review_pilots(month)
    ]
