"""Forms of campaign launches."""

from datetime import date

from django import forms
from django.utils.dateparse import parse_date

from hub.forms import CampaignForm
from hub.models import Zone


class LaunchForm(CampaignForm):
    """A campaign with what its launch needs from operations and support."""

    expected_orders_per_day = forms.IntegerField(
        min_value=0,
        max_value=1_000_000,
        initial=0,
        label="Expected orders a day",
        help_text="Across its zones; operations confirm capacity for their share of it.",
    )
    services = forms.CharField(
        max_length=200, required=False, label="Services promoted", help_text="e.g. same-day"
    )
    message = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What customers are told",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Scheduling needs them: the teams confirm per zone and day.
        for name in ("zones", "starts_on"):
            self.fields[name].required = True


class LaunchDetailsForm(forms.Form):
    expected_orders_per_day = forms.IntegerField(
        min_value=0, max_value=1_000_000, label="Expected orders a day"
    )
    services = forms.CharField(max_length=200, required=False, label="Services promoted")
    message = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="What customers are told"
    )


class CapacityForm(forms.Form):
    capacity_per_day = forms.IntegerField(
        min_value=0, max_value=1_000_000, label="Orders a day operations can take in this zone"
    )
    capacity_by_day = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-12-24 20"}),
        label="Different on particular days",
        help_text="One day a line: the date and the orders operations can take that day. "
        "Other days take the number above.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_capacity_by_day(self) -> dict[date, int]:
        out: dict[date, int] = {}
        for number, line in enumerate(self.cleaned_data["capacity_by_day"].splitlines(), 1):
            parts = line.replace(":", " ").replace(",", " ").replace("=", " ").split()
            if not parts:
                continue
            try:
                day = parse_date(parts[0]) if len(parts) == 2 else None
            except ValueError:  # well formed but not a day, e.g. 2026-02-30
                day = None
            if day is None or not parts[1].isdigit():
                raise forms.ValidationError(
                    f"Line {number}: write a date and a number of orders, e.g. 2026-12-24 20."
                )
            if day in out:
                raise forms.ValidationError(f"Line {number}: {day} is given twice.")
            out[day] = int(parts[1])
        return out

    @staticmethod
    def days_text(days: list[tuple[date, int]]) -> str:
        return "\n".join(f"{day.isoformat()} {n}" for day, n in days)


class ConfirmForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OverCapacityForm(forms.Form):
    zone = forms.ModelChoiceField(queryset=Zone.objects.none(), empty_label=None)
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="What ops see"
    )

    def __init__(self, *args, zones=None, **kwargs):
        super().__init__(*args, **kwargs)
        if zones is not None:
            self.fields["zone"].queryset = zones
