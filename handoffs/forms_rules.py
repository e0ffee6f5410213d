"""Forms for rules, channels, manual handoffs and team alert settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from handoffs import actions, rules
from handoffs.models import Channel, TeamAlertSettings
from hub.models import Team

CONDITION_ROWS = 5
OP_CHOICES = [("", "—"), *rules.OPERATORS.items()]


class RuleForm(forms.Form):
    name = forms.CharField(max_length=160)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    trigger = forms.CharField(
        max_length=120,
        help_text="The event type, e.g. hubspot.contact.creation, onfleet.taskFailed, or "
        "onfleet.* for a whole source.",
    )
    match = forms.ChoiceField(
        choices=[("all", "all conditions hold"), ("any", "any condition holds")],
        label="Fire when",
    )
    action = forms.ChoiceField(
        choices=actions.choices,
        initial=actions.HANDOFF,
        required=False,
        label="What the rule does",
        help_text="Hand work to teams, or an action another module offers.",
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        label="Receiving teams",
        required=False,
    )
    channels = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.exclude(kind=Channel.Kind.INBOX).select_related("team"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Every receiving team also gets the alert in its in-app inbox.",
    )
    title_template = forms.CharField(
        max_length=300,
        required=False,
        label="Alert title",
        help_text="Placeholders: {{ payload.… }}, "
        "{{ customer.name }}, {{ delivery.zone }}, {{ campaign.name }} …",
    )
    message_template = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Alert message",
        help_text=rules.ALLOWED_HELP,
    )
    requires_ack = forms.BooleanField(required=False, label="Someone must acknowledge it")
    sla_minutes = forms.IntegerField(
        required=False, min_value=1, label="…within (minutes)", help_text="Empty: no deadline."
    )
    escalate_to_team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, label="When missed, alert team"
    )
    escalate_channel = forms.ModelChoiceField(
        queryset=Channel.objects.select_related("team"), required=False, label="…and channel"
    )
    escalate_to_managers = forms.BooleanField(
        required=False, label="…and the team's managers (inbox)"
    )
    dedupe_key = forms.CharField(
        max_length=200,
        required=False,
        label="One handoff per",
        help_text="e.g. {{ customer.id }}; empty: one per event.",
    )
    dedupe_minutes = forms.IntegerField(min_value=0, initial=60, label="…per minutes")
    owner_team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"))
    minutes_saved = forms.IntegerField(min_value=0, initial=5, label="Manual minutes one run saves")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(CONDITION_ROWS):
            self.fields[f"cond_{n}_field"] = forms.CharField(
                required=False, label=f"Condition {n + 1}: field"
            )
            self.fields[f"cond_{n}_op"] = forms.ChoiceField(
                choices=OP_CHOICES, required=False, label="comparison"
            )
            self.fields[f"cond_{n}_value"] = forms.CharField(required=False, label="value")

    def clean_action(self) -> str:
        return self.cleaned_data.get("action") or actions.HANDOFF

    def condition_rows(self):
        return [
            (self[f"cond_{n}_field"], self[f"cond_{n}_op"], self[f"cond_{n}_value"])
            for n in range(CONDITION_ROWS)
        ]

    def conditions(self) -> dict:
        data = self.cleaned_data
        rows = []
        for n in range(CONDITION_ROWS):
            field, op = data.get(f"cond_{n}_field", "").strip(), data.get(f"cond_{n}_op", "")
            if field or op:
                rows.append({"field": field, "op": op, "value": data.get(f"cond_{n}_value", "")})
        return {"match": data.get("match", "all"), "conditions": rows}

    @staticmethod
    def initial_for(rule) -> dict:
        initial = {
            "name": rule.name,
            "description": rule.description,
            "trigger": rule.trigger,
            "match": (rule.conditions or {}).get("match", "all"),
            "teams": list(rule.teams.all()),
            "channels": list(rule.channels.all()),
            "title_template": rule.title_template,
            "message_template": rule.message_template,
            "requires_ack": rule.requires_ack,
            "sla_minutes": rule.sla_minutes,
            "escalate_to_team": rule.escalate_to_team,
            "escalate_channel": rule.escalate_channel,
            "escalate_to_managers": rule.escalate_to_managers,
            "dedupe_key": rule.dedupe_key,
            "dedupe_minutes": rule.dedupe_minutes,
            "owner_team": rule.owner_team,
            "minutes_saved": rule.minutes_saved,
            "action": rule.action,
        }
        for n, condition in enumerate(
            (rule.conditions or {}).get("conditions", [])[:CONDITION_ROWS]
        ):
            initial[f"cond_{n}_field"] = condition.get("field", "")
            initial[f"cond_{n}_op"] = condition.get("op", "")
            initial[f"cond_{n}_value"] = condition.get("value", "")
        return initial


def then_forms(
    data: QueryDict | None, chosen: str, params: dict[str, Any]
) -> list[tuple[str, str, str, forms.Form]]:
    """Each action's own settings form (the chosen one bound to the submitted data)."""
    found = []
    for action in actions.all_actions():
        if action.form_class is None:
            continue
        prefix = f"then-{action.key}"
        if data is not None and chosen == action.key:
            form = action.form_class(data, prefix=prefix)
        else:
            form = action.form_class(
                prefix=prefix, initial=params if chosen == action.key else None
            )
        found.append((action.key, action.label, action.description, form))
    return found


def then_params(data: QueryDict, key: str) -> QueryDict:
    """The submitted settings of action ``key``, without their form prefix."""
    prefix = f"then-{key}-"
    params = QueryDict(mutable=True)
    for name in data:
        if name.startswith(prefix):
            params.setlist(name[len(prefix) :], data.getlist(name))
    return params


class ChannelForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"))
    kind = forms.ChoiceField(choices=[c for c in Channel.Kind.choices if c[0] != "inbox"])
    name = forms.CharField(max_length=120, help_text="e.g. #ops-alerts")
    target = forms.CharField(
        max_length=1000,
        required=False,
        label="Webhook URL or email addresses",
        help_text="Slack/Teams: the incoming webhook URL. Email: addresses, comma-separated "
        "(empty: every member of the team). Webhook: the endpoint URL.",
    )
    fallback = forms.ModelChoiceField(
        queryset=Channel.objects.select_related("team"),
        required=False,
        help_text="Used when this channel keeps failing.",
    )


class TeamAlertSettingsForm(forms.ModelForm):
    class Meta:
        model = TeamAlertSettings
        fields = ["quiet_start", "quiet_end", "daily_digest", "digest_hour"]
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}),
        }


class ManualHandoffForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), label="Hand to")
    title = forms.CharField(max_length=300, label="What needs doing")
    body = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Details"
    )
    due_hours = forms.IntegerField(
        required=False, min_value=1, max_value=24 * 30, label="Acknowledge within (hours)"
    )
    link = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class HandoffCommentForm(forms.Form):
    # Length and emptiness are the service's to judge, so the page and the API say the same.
    body = forms.CharField(
        required=False,
        strip=False,
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Everyone in the receiving team and earlier commenters are told.",
    )


class HandoffReassignForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Hand it on to")
    note = forms.CharField(required=False, max_length=500, label="Why (optional)")

    def __init__(self, *args, exclude_team_id: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.exclude(pk=exclude_team_id).order_by("name")
