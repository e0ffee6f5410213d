"""Names of surveys a handoff links to ("About" on the handoff's page)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from feedback import selectors
from handoffs import subjects
from hub.models import User


def _survey(user: User, kwargs: Mapping[str, Any], query: Mapping[str, str]):
    try:
        survey = selectors.get_survey_for_user(user, int(kwargs["pk"]))
    except PermissionDenied:
        return ("A survey", False)
    except Http404:
        return ("A survey (no longer exists)", False)
    return (f"Survey: {survey.title}", True)


def register() -> None:
    subjects.register("feedback:survey_detail", _survey)
    subjects.register("feedback:results", _survey)
