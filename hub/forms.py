from django import forms

from hub.models import Role, Team


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
