"""Names of workflow maps and pilots a handoff links to ("About" on the handoff's page)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from handoffs import subjects
from hub.models import User
from workflows import selectors


def _map(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]):
    try:
        map_ = selectors.get_map_for_user(user, int(kwargs["pk"]))
    except PermissionDenied:
        return ("A workflow map", False)
    except Http404:
        return ("A workflow map (no longer exists)", False)
    return (f"Workflow map: {map_.name}", True)


def _pilot(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]):
    try:
        pilot = selectors.get_pilot_for_user(user, int(kwargs["pk"]))
    except PermissionDenied:
        return ("A pilot", False)
    except Http404:
        return ("A pilot (no longer exists)", False)
    return (f"Pilot: {pilot.title}", True)


def register() -> None:
    subjects.register("workflows:map_detail", _map)
    subjects.register("workflows:map_edit", _map)
    subjects.register("workflows:pilot_detail", _pilot)
