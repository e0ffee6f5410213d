"""The monthly KPI review's feedback section: the month's numbers, top themes, a few comments."""

from __future__ import annotations

from datetime import date

from feedback import selectors


def review_items(month: date) -> list[dict[str, str]]:
    found = selectors.review_feedback(month)
    if not found["responses"]:
        return []
    numbers = [f"{found['responses']} responses"]
    if found["csat"] is not None:
        numbers.append(f"CSAT {found['csat']} ({found['csat_count']})")
    if found["nps"] is not None:
        numbers.append(f"NPS {found['nps']} ({found['nps_count']})")
    if found["comm"] is not None:
        numbers.append(f"team communication {found['comm']} / 5 ({found['comm_count']})")
    rows = [{"text": " · ".join(numbers), "url": "/feedback/"}]
    rows += [
        {"text": f"Theme: {t['name']}", "note": f"{t['count']} answers", "url": "/feedback/themes/"}
        for t in found["themes"]
    ]
    rows += [
        {"text": f"“{c['text'][:200]}”", "note": f"{c['survey']}, score {c['score']}"}
        for c in found["comments"][:3]
    ]
    return rows
