"""The rule action registry: what a handoff rule can do when it matches an event.

Seam for every module — offer an action as a rule's "then", from your ``AppConfig.ready()``::

    from handoffs import actions

    class SurveyFields(forms.Form):
        survey = forms.ModelChoiceField(queryset=Survey.objects.all())

    actions.register(actions.Action(
        key="feedback.send_survey",
        label="Send a survey",
        description="Email the matched customer a survey invitation.",
        form_class=SurveyFields,          # its own fields; cleaned values stored on the rule
        run=send_survey_for_rule,         # (ActionRun) -> str: what it did, kept on the evaluation
        preview=describe_survey_for_rule, # (ActionRun) -> str: what it would do; writes nothing
    ))

``run`` is called inside the rule's transaction, once per (rule, event): the evaluation row is
unique per rule and event, so a retried event never runs an action twice — but ``run`` must
still write through your own services and may raise ``DomainError`` to refuse (the evaluation
then records the refusal and the event goes on). ``params`` holds the form's cleaned data as
JSON (model choices as their primary keys). ``preview`` serves the live preview and dry runs.
The built-in action, ``handoffs.create``, hands work to the rule's teams (the rule's own
fields: teams, channels, title, message, SLA, escalation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models

if TYPE_CHECKING:
    from handoffs.models import Rule
    from hub.models import Event

HANDOFF = "handoffs.create"


@dataclass(frozen=True)
class ActionRun:
    """One run of an action: the rule, the event, the rule's template context and params."""

    rule: Rule
    event: Event | None
    context: dict[str, Any]
    params: dict[str, Any]
    now: datetime


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    description: str = ""
    form_class: type[forms.Form] | None = None
    run: Callable[[ActionRun], str] | None = None
    preview: Callable[[ActionRun], str] | None = None
    # Does the action use the rule's handoff fields (teams, title, SLA…)?
    uses_handoff_fields: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


_registry: dict[str, Action] = {}


def register(action: Action) -> Action:
    """Offer ``action`` to every rule (registering the same key again replaces it)."""
    if action.key != HANDOFF and action.run is None:
        raise ValueError(f"Action {action.key} needs a run function.")
    _registry[action.key] = action
    return action


def get(key: str) -> Action | None:
    return _registry.get(key)


def all_actions() -> list[Action]:
    """Every registered action, the built-in handoff first."""
    return sorted(_registry.values(), key=lambda a: (a.key != HANDOFF, a.label))


def choices() -> list[tuple[str, str]]:
    return [(a.key, a.label) for a in all_actions()]


def clean_params(action: Action, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list]]:
    """Validate ``data`` with the action's form. Returns (JSON-ready params, errors by field)."""
    if action.form_class is None:
        return {}, {}
    form = action.form_class(data=data)
    if not form.is_valid():
        return {}, {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    return {name: _jsonable(value) for name, value in form.cleaned_data.items()}, {}


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


register(
    Action(
        key=HANDOFF,
        label="Hand work to teams",
        description="Create a handoff for each receiving team, alerted on its channels.",
        uses_handoff_fields=True,
    )
)
