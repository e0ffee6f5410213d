"""The rule action ``standups.add_item``: a handoff rule puts the event it matched on the next
standup's agenda (e.g. "a campaign error → talk about it on Tuesday")."""

from __future__ import annotations

from django import forms

from handoffs import actions
from hub.errors import DomainError
from hub.models import Team
from standups import selectors, services
from standups.models import Series

KEY = "standups.add_item"


class AddItemFields(forms.Form):
    series = forms.ModelChoiceField(queryset=Series.objects.none(), label="Standup")
    title = forms.CharField(
        max_length=200,
        label="Agenda item",
        help_text="What the teams should talk about; the event's type and time are added.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Team to bring it"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = Series.objects.filter(active=True)
        self.fields["team"].queryset = Team.objects.all()


def _target(run: actions.ActionRun):
    series = Series.objects.filter(pk=run.params.get("series"), active=True).first()
    if series is None:
        raise DomainError("The standup this rule adds items to is gone or paused.")
    meeting = selectors.next_meeting(series, run.now)
    if meeting is None:
        services.meetings_generate(now=run.now, series=series)
        meeting = selectors.next_meeting(series, run.now)
    if meeting is None:
        raise DomainError(f"“{series.name}” has no upcoming meeting.")
    return series, meeting


def _body(run: actions.ActionRun) -> str:
    event = run.event
    if event is None:
        return f"From the rule “{run.rule.name}”."
    return f"From the rule “{run.rule.name}”: {event.type} ({event.external_id})."


def add_item(run: actions.ActionRun) -> str:
    """Add the item to the next meeting; once per meeting and event (a retried rule run adds
    nothing)."""
    series, meeting = _target(run)
    team = (
        Team.objects.filter(pk=run.params.get("team")).first() if run.params.get("team") else None
    )
    services.agenda_item_add(
        meeting=meeting, title=run.params["title"], body=_body(run), team=team, event=run.event
    )
    local = meeting.scheduled_at.astimezone(series.tz)
    return f"added “{run.params['title']}” to {series.name} on {local:%a %d %b}"


def describe(run: actions.ActionRun) -> str:
    series = Series.objects.filter(pk=run.params.get("series")).first()
    name = series.name if series else "the standup"
    return f"would add “{run.params.get('title', '')}” to the next meeting of {name}"


def register() -> None:
    actions.register(
        actions.Action(
            key=KEY,
            label="Add an item to the next standup",
            description="Put the matched event on the agenda of a standup's next meeting.",
            form_class=AddItemFields,
            run=add_item,
            preview=describe,
        )
    )
