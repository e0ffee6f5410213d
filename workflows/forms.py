from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from hub.models import Team
from workflows import kpi_source, selectors
from workflows.models import FrictionPoint, Pilot


class MapForm(forms.Form):
    name = forms.CharField(max_length=160)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Lanes (one per team)",
    )

    def clean_teams(self) -> list[Team]:
        """Lanes in the order work usually flows: marketing, tech, operations, support."""
        order = ["marketing", "tech", "operations", "support", "other"]
        teams = list(self.cleaned_data["teams"])
        return sorted(teams, key=lambda t: (order.index(t.kind) if t.kind in order else 9, t.name))


class ImportForm(forms.Form):
    file = forms.FileField(label="Map JSON (exported from Crossdock)")


class FrictionForm(forms.Form):
    kind = forms.ChoiceField(choices=FrictionPoint.Kind.choices)
    severity = forms.TypedChoiceField(choices=FrictionPoint.Severity.choices, coerce=int, initial=2)
    owner_team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class PilotForm(forms.Form):
    title = forms.CharField(max_length=160)
    hypothesis = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What should change, and why, if the fix works.",
    )
    fix = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Cross-team fix",
        help_text="Often a handoff rule or a changed step.",
    )
    fix_rule = forms.ModelChoiceField(
        queryset=selectors.linkable_rules(), required=False, label="Handoff rule of the fix"
    )
    metric = forms.ChoiceField(label="KPI that should move")
    owner_teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"), widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The pilot runs two weeks from this day; the two weeks before are its baseline.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = kpi_source.metric_choices()
        self.fields["fix_rule"].queryset = selectors.linkable_rules()
        self.fields["starts_on"].initial = timezone.localdate

    def clean_starts_on(self) -> date:
        return self.cleaned_data["starts_on"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Pilot.Decision.choices, widget=forms.RadioSelect)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Why (for the record)"
    )
    writeup = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label="Add to the write-up",
        help_text="What worked, what did not, what to repeat: added to the write-up page in Docs.",
    )
