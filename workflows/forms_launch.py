"""Forms of campaign launches."""

from django import forms

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
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


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
