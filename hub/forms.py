from django import forms

from hub.models import Campaign, Incident, Role, Team, Zone


class TeamForm(forms.Form):
    name = forms.CharField(max_length=80)
    kind = forms.ChoiceField(choices=Team.Kind.choices, initial=Team.Kind.OTHER, label="Function")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class InviteForm(forms.Form):
    email = forms.EmailField(
        help_text="Someone who already has an account is added to the team directly."
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), empty_label="Choose a team…"
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class MembershipForm(forms.Form):
    email = forms.EmailField(label="Person's email")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput)
    password2 = forms.CharField(label="Password (again)", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=120)
    channel = forms.ChoiceField(choices=Campaign.Channel.choices)
    segment = forms.CharField(max_length=120, required=False)
    zones = forms.ModelMultipleChoiceField(
        queryset=Zone.objects.order_by("name"), widget=forms.CheckboxSelectMultiple, required=False
    )
    starts_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    budget = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, initial=0)
    owner_team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False)


class PromoCodeForm(forms.Form):
    code = forms.CharField(max_length=40)
    discount_percent = forms.IntegerField(min_value=1, max_value=100, initial=10)
    valid_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    max_uses = forms.IntegerField(min_value=1, required=False)


class PromoGenerateForm(forms.Form):
    pattern = forms.CharField(
        max_length=40,
        initial="SPRING-####",
        help_text="# a digit, ? a letter; everything else as written.",
    )
    count = forms.IntegerField(min_value=1, max_value=500, initial=20, label="How many")
    discount_percent = forms.IntegerField(min_value=1, max_value=100, initial=10)
    valid_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    max_uses = forms.IntegerField(min_value=1, required=False, label="Uses per code")


class PromoImportForm(forms.Form):
    text = forms.CharField(
        label="Codes",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One a line (or separated by commas), e.g. from the shop's export.",
    )
    discount_percent = forms.IntegerField(min_value=1, max_value=100, initial=10)
    valid_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    max_uses = forms.IntegerField(min_value=1, required=False, label="Uses per code")


class PromoCodeEditForm(forms.Form):
    """Everything of a promo code but the code itself, which customers already have."""

    discount_percent = forms.IntegerField(min_value=1, max_value=100)
    valid_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    max_uses = forms.IntegerField(min_value=1, required=False)


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(choices=Incident.Kind.choices)
    title = forms.CharField(max_length=200, label="What happened")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    communication_error = forms.BooleanField(
        required=False, label="Caused by a miscommunication between teams"
    )


class ZoneForm(forms.ModelForm):
    class Meta:
        model = Zone
        fields = ["name", "code", "launched_on", "dispatch_team_id", "postal_codes"]
        labels = {"dispatch_team_id": "Onfleet team id", "code": "Short code"}
        help_texts = {
            "code": "Used in task metadata (zone) and in the API, e.g. northgate.",
            "dispatch_team_id": "Tasks of this Onfleet team belong to the zone.",
        }
        widgets = {"launched_on": forms.DateInput(attrs={"type": "date"})}
