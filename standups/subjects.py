"""Names of standup pages a handoff links to ("About" on the handoff's page): a blocker's
handoff points at its meeting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from handoffs import subjects
from hub.models import User
from standups import selectors


def _meeting(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]):
    try:
        meeting = selectors.get_meeting_for_user(user, int(kwargs["pk"]))
    except PermissionDenied:
        return ("A standup meeting", False)
    except Http404:
        return ("A standup meeting (no longer exists)", False)
    local = timezone.localtime(meeting.scheduled_at, meeting.series.tz)
    return (f"Standup: {meeting.series.name}, {local:%a %d %b}", True)


def _series(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]):
    try:
        series = selectors.get_series_for_user(user, int(kwargs["pk"]))
    except PermissionDenied:
        return ("A standup", False)
    except Http404:
        return ("A standup (no longer exists)", False)
    return (f"Standup: {series.name}", True)


def register() -> None:
    subjects.register("standups:meeting_detail", _meeting)
    subjects.register("standups:update_post", _meeting)
    subjects.register("standups:series_detail", _series)
