"""What shared docs offer handoff rules: the "then" that reminds a page's owners, and the
ready-made rule "Doc gone stale → remind its owners" in the rules gallery."""

from __future__ import annotations

from django import forms

from handoffs import actions
from handoffs import services as handoff_services
from wiki import services

KEY = "wiki.remind_owners"
TEMPLATE_KEY = "doc_stale"


class RemindFields(forms.Form):
    note = forms.CharField(
        max_length=300,
        required=False,
        label="Add to the reminder",
        help_text="Optional, e.g. who to ask when a page is no longer needed.",
    )


def _page_id(run: actions.ActionRun) -> object:
    payload = run.event.payload if run.event is not None else {}
    return (payload or {}).get("page_id") or run.context.get("payload", {}).get("page_id")


def remind(run: actions.ActionRun) -> str:
    """Remind the owner team of the page the event names; once per event (dedupe key)."""
    return services.page_owners_remind(
        page_id=_page_id(run),
        note=str(run.params.get("note") or ""),
        key=f"rule:{run.rule.pk}:{run.event.pk if run.event else 0}",
        now=run.now,
    )


def describe(run: actions.ActionRun) -> str:
    return services.page_owners_remind_preview(page_id=_page_id(run))


ACTION = actions.Action(
    key=KEY,
    label="Remind a doc's owners",
    description=(
        "For events that name a page (wiki.page.stale): tell the team that owns it, on its "
        "inbox and channels, with a link to review the page."
    ),
    form_class=RemindFields,
    run=remind,
    preview=describe,
)

TEMPLATE = {
    "name": "Doc gone stale → remind its owners",
    "description": "A page past its review date (recorded by beat once per review period) "
    "reminds the team that owns it. Narrow it with conditions, e.g. payload.space or "
    "payload.days_overdue.",
    "trigger": "wiki.page.stale",
    "teams": [],
    "owner": "operations",
    "title": "Review due: {{ payload.title }}",
    "message": "",
    "action": KEY,
    "action_params": {"note": ""},
    "minutes_saved": 5,
}


def register() -> None:
    actions.register(ACTION)
    handoff_services.rule_template_register(TEMPLATE_KEY, TEMPLATE)
