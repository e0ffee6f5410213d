from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.http import QueryDict

from hub.models import Campaign, Team, Zone
from kpis import registry
from kpis.registry import Filters, Period, month_period

PERIODS = [
    ("month", "This month"),
    ("last_month", "Last month"),
    ("week", "Last 7 days"),
    ("quarter", "Last 90 days"),
    ("custom", "Custom"),
]


class FilterForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    zone = forms.ModelChoiceField(
        queryset=Zone.objects.order_by("name"), required=False, empty_label="All zones"
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"), required=False, empty_label="All campaigns"
    )

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            if not data.get("start") or not data.get("end"):
                raise forms.ValidationError("Give a start and an end date for a custom period.")
            if data["end"] < data["start"]:
                raise forms.ValidationError("The period ends before it starts.")
            if (data["end"] - data["start"]).days > 366 * 2:
                raise forms.ValidationError("Choose at most two years.")
        return data


class TargetForm(forms.Form):
    value = forms.DecimalField(
        max_digits=14, decimal_places=4, required=False, help_text="Empty removes the target."
    )


class ManualValueForm(forms.Form):
    month = forms.DateField(
        widget=forms.DateInput(attrs={"type": "month"}), input_formats=["%Y-%m", "%Y-%m-%d"]
    )
    value = forms.DecimalField(max_digits=14, decimal_places=4)
    zone = forms.ModelChoiceField(
        queryset=Zone.objects.order_by("name"), required=False, empty_label="Whole company"
    )
    note = forms.CharField(max_length=200, required=False)


class ReviewNotesForm(forms.Form):
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    decisions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))


class ActionItemForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"))
    title = forms.CharField(max_length=250, label="What needs doing")
    due_days = forms.IntegerField(min_value=1, max_value=90, required=False, label="Due in (days)")


class BaselineForm(forms.Form):
    metric = forms.ChoiceField(choices=[])
    value = forms.DecimalField(max_digits=14, decimal_places=4)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [(m.key, m.label) for m in registry.scorecard_metrics()]


def period_and_filters(params: QueryDict, today: date) -> tuple[Period, Filters, FilterForm]:
    """The period and filters a dashboard, export or the API feed was asked for."""
    form = FilterForm(params or None)
    choice, data = "month", {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        choice = data.get("period") or "month"
        if data.get("start") and data.get("end") and data["end"] >= data["start"]:
            choice = "custom"  # dates given: they are the period
    if choice == "last_month":
        period = month_period(today.replace(day=1) - timedelta(days=1))
    elif choice == "week":
        period = Period(today - timedelta(days=6), today)
    elif choice == "quarter":
        period = Period(today - timedelta(days=89), today)
    elif choice == "custom":
        period = Period(data["start"], data["end"])
    else:
        period = month_period(today)
    return period, Filters(zone=data.get("zone"), campaign=data.get("campaign")), form
