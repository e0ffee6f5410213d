"""Names of docs a handoff links to ("About" on the handoff's page)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from handoffs import subjects
from hub.models import User
from wiki import selectors


def _page(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]):
    try:
        page = selectors.get_page_for_user(user, int(kwargs["pk"]))
    except PermissionDenied:
        return ("A doc", False)
    except Http404:
        return ("A doc (no longer exists)", False)
    return (f"Doc: {page.title}", True)


def _space(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]):
    try:
        space = selectors.get_space_for_user(user, str(kwargs["slug"]))
    except PermissionDenied:
        return ("A docs space", False)
    except Http404:
        return ("A docs space (no longer exists)", False)
    return (f"Docs space: {space.name}", True)


def register() -> None:
    for name in ("wiki:page", "wiki:page_short", "wiki:page_edit", "wiki:history"):
        subjects.register(name, _page)
    subjects.register("wiki:space", _space)
