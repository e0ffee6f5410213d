"""The monthly KPI review's blockers section: unresolved and recurring standup blockers."""

from __future__ import annotations

from datetime import date

from standups import selectors


def review_items(month: date) -> list[dict[str, str]]:
    """Rows for the review: each unresolved blocker, then each blocker raised again and again."""
    found = selectors.review_blockers(month)
    rows = [
        {
            "text": f"{b.team.name} needs {b.needs_team.name}: {b.text}",
            "url": b.meeting.get_absolute_url(),
            "note": f"raised {b.raised_at:%d %b}" + (" · handed off" if b.handoff_id else ""),
        }
        for b in found.unresolved
    ]
    rows += [
        {
            "text": f"Recurring: {r.team} needs {r.needs_team}: {r.text}",
            "note": f"{r.times} meetings" + (" · still open" if r.open else ""),
        }
        for r in found.recurring
    ]
    return rows
