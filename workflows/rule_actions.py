"""What workflows offers handoff rules as a "then": open a pilot's review."""

from __future__ import annotations

from handoffs import actions
from workflows.models import Pilot


def _pilot_id(run: actions.ActionRun):
    payload = run.event.payload if run.event is not None else {}
    return (payload or {}).get("pilot_id") or run.context.get("payload", {}).get("pilot_id")


def open_pilot_review(run: actions.ActionRun) -> str:
    from workflows import services  # loaded when a rule runs, not at start-up

    return services.pilot_review_open(pilot_id=_pilot_id(run), now=run.now)


def describe_open_pilot_review(run: actions.ActionRun) -> str:
    pilot_id = _pilot_id(run)
    pilot = Pilot.objects.filter(pk=pilot_id).first() if str(pilot_id or "").isdigit() else None
    if pilot is None:
        return "Would open the review of the pilot the event names (payload.pilot_id)."
    return f"Would open the review of “{pilot.title}” and tell its owner teams."


ACTION = actions.Action(
    key="workflows.open_pilot_review",
    label="Open a pilot's review",
    description=(
        "For events that name a pilot (workflows.pilot.review_due): mark its review open and "
        "tell every owner team, with a link to before and during."
    ),
    run=open_pilot_review,
    preview=describe_open_pilot_review,
)
