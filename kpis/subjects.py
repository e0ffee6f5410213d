"""Names of KPI pages a handoff links to ("About" on the handoff's page)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from handoffs import subjects
from hub import roles
from hub.models import User
from kpis import registry


def _review(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]):
    try:
        month = date.fromisoformat(f"{kwargs.get('month', '')}-01")
    except ValueError:
        return None
    return (f"Monthly review: {month:%B %Y}", roles.is_member(user))


def _metric(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]):
    metric = registry.get_metric(str(kwargs.get("key", "")))
    if metric is None:
        return None
    return (f"KPI: {metric.label}", roles.is_member(user))


def register() -> None:
    subjects.register("kpis:review", _review)
    subjects.register("kpis:metric", _metric)
