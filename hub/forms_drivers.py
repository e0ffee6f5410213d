"""Forms of the drivers page: one driver, or a CSV of them."""

from __future__ import annotations

from django import forms

from hub.models import Driver, Zone


class DriverForm(forms.Form):
    name = forms.CharField(max_length=160, required=False)
    email = forms.EmailField(required=False, help_text="Where driver surveys go.")
    phone = forms.CharField(max_length=32, required=False)
    dispatch_id = forms.CharField(
        max_length=64,
        required=False,
        label="Onfleet worker id",
        help_text="Dispatch events for this worker then update this driver.",
    )
    zone = forms.ModelChoiceField(queryset=Zone.objects.none(), required=False)
    active = forms.BooleanField(
        required=False, initial=True, help_text="Inactive drivers get no more surveys."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = Zone.objects.order_by("name")

    @classmethod
    def initial_for(cls, driver: Driver) -> dict:
        return {
            "name": driver.name,
            "email": driver.email,
            "phone": driver.phone,
            "dispatch_id": driver.dispatch_id or "",
            "zone": driver.zone,
            "active": driver.active,
        }


class DriverImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="A header line, then one driver a line: name, email, phone; optionally "
        "worker id, zone, active.",
    )
