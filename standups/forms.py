from __future__ import annotations

from datetime import time
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.utils import timezone

from hub.models import Team, User
from standups.models import Weekday
from standups.services import AttendeeInput, BlockerInput

BLOCKER_ROWS = 3


class SeriesForm(forms.Form):
    name = forms.CharField(max_length=120, initial="Weekly cross-team")
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, initial=Weekday.TUESDAY)
    start_time = forms.TimeField(
        initial=time(10, 0), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        min_value=5,
        max_value=120,
        initial=20,
        label="Minutes",
        help_text="20 minutes keeps it a standup; the room view splits them across the teams.",
    )
    time_zone = forms.ChoiceField(choices=())
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    chair_order = forms.CharField(
        required=False,
        label="Chair order",
        help_text="Team names separated by commas; the first chairs this month, the next one "
        "next month. Leave empty to rotate in the order above.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.order_by("name")
        zones = sorted(available_timezones() | {settings.TIME_ZONE})
        self.fields["time_zone"].choices = [(z, z) for z in zones]
        self.fields["time_zone"].initial = timezone.get_current_timezone_name()

    def ordered_teams(self) -> list[Team]:
        teams = list(self.cleaned_data["teams"])
        order = [n.strip().lower() for n in self.cleaned_data.get("chair_order", "").split(",")]
        order = [n for n in order if n]
        if not order:
            return teams
        by_name = {t.name.lower(): t for t in teams}
        unknown = [n for n in order if n not in by_name]
        if unknown:
            raise forms.ValidationError(
                f"Not among the chosen teams: {', '.join(unknown)}.", code="chair_order"
            )
        ranked = [by_name[n] for n in dict.fromkeys(order)]
        return ranked + [t for t in teams if t not in ranked]

    def clean(self):
        data = super().clean()
        if "teams" in data:
            try:
                data["ordered_teams"] = self.ordered_teams()
            except forms.ValidationError as e:
                self.add_error("chair_order", e)
        return data


class SwapForm(forms.Form):
    month = forms.DateField(
        widget=forms.DateInput(attrs={"type": "month"}), input_formats=["%Y-%m"]
    )
    other_month = forms.DateField(
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m"],
        label="Swap with",
    )


class UpdateForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    win_1 = forms.CharField(max_length=300, label="Top win this week")
    win_2 = forms.CharField(max_length=300, required=False, label="Second win")
    needs = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Needs",
        help_text="What would help your team this week, from anyone.",
    )
    firefighting_hours = forms.DecimalField(
        min_value=0,
        max_value=168,
        decimal_places=1,
        initial=0,
        label="Hours on cross-team firefighting this week",
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )

    def __init__(self, *args, teams: list[Team], all_teams: list[Team], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(pk__in=[t.pk for t in teams])
        choices = [("", "— team it needs —")] + [(t.pk, t.name) for t in all_teams]
        self.blocker_rows = []
        for i in range(1, BLOCKER_ROWS + 1):
            text = forms.CharField(max_length=300, required=False, label=f"Blocker {i}")
            need = forms.TypedChoiceField(
                choices=choices,
                required=False,
                coerce=int,
                empty_value=None,
                label=f"Team blocker {i} needs",
            )
            self.fields[f"blocker_{i}"] = text
            self.fields[f"blocker_{i}_team"] = need
            self.blocker_rows.append((f"blocker_{i}", f"blocker_{i}_team"))
        self._teams = {t.pk: t for t in all_teams}

    def clean(self):
        data = super().clean()
        for text_name, team_name in self.blocker_rows:
            if data.get(text_name) and not data.get(team_name):
                self.add_error(team_name, "Which team does this blocker need?")
        return data

    def blockers(self) -> list[BlockerInput]:
        return [
            BlockerInput(self.cleaned_data[t], self._teams[self.cleaned_data[n]])
            for t, n in self.blocker_rows
            if self.cleaned_data.get(t) and self.cleaned_data.get(n)
        ]

    @property
    def blocker_fields(self):
        return [(self[t], self[n]) for t, n in self.blocker_rows]

    @property
    def main_fields(self):
        return [self[n] for n in ("team", "win_1", "win_2", "needs", "firefighting_hours")]


class DecisionForm(forms.Form):
    text = forms.CharField(max_length=500, label="Decision")


class ActionItemForm(forms.Form):
    text = forms.CharField(max_length=300, label="Action item")
    owner_team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Team")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Person")
    due_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Due"
    )

    def __init__(self, *args, teams: list[Team], **kwargs):
        super().__init__(*args, **kwargs)
        ids = [t.pk for t in teams]
        self.fields["owner_team"].queryset = Team.objects.filter(pk__in=ids)
        self.fields["owner"].queryset = User.objects.filter(
            memberships__team_id__in=ids, is_active=True
        ).distinct()


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


class ChairOrderForm(forms.Form):
    """The series' teams in a new chair order: one choice per place in the rotation."""

    from_month = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m"],
        label="First team chairs from",
        help_text="Leave empty to keep the rotation counting from when the standup started.",
    )

    def __init__(self, *args, teams: list[Team], **kwargs):
        super().__init__(*args, **kwargs)
        self._teams = {t.pk: t for t in teams}
        choices = [(t.pk, t.name) for t in teams]
        self.places = []
        for i, team in enumerate(teams, start=1):
            name = f"place_{i}"
            self.fields[name] = forms.TypedChoiceField(
                choices=choices, coerce=int, initial=team.pk, label=f"{_ordinal(i)} to chair"
            )
            self.places.append(name)
        # The month field after the places.
        self.order_fields([*self.places, "from_month"])

    def clean(self):
        data = super().clean()
        chosen = [data.get(n) for n in self.places]
        if None not in chosen and len(set(chosen)) != len(chosen):
            raise forms.ValidationError(
                "Each team takes one place: a team is chosen twice.", code="duplicate"
            )
        return data

    def ordered_teams(self) -> list[Team]:
        return [self._teams[self.cleaned_data[n]] for n in self.places]


class AgendaItemForm(forms.Form):
    title = forms.CharField(max_length=300, label="Agenda item")
    body = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Details",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Team bringing it"
    )

    def __init__(self, *args, teams: list[Team], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(pk__in=[t.pk for t in teams]).order_by(
            "name"
        )


class AttendanceForm(forms.Form):
    """One group of checkboxes per team of the series: who was there."""

    def __init__(self, *args, roster: list[tuple[Team, list[User]]], present: set, **kwargs):
        super().__init__(*args, **kwargs)
        self._people: dict[tuple[int, int], tuple[User, Team]] = {}
        self.team_fields = []
        for team, people in roster:
            name = f"team_{team.pk}"
            self.fields[name] = forms.TypedMultipleChoiceField(
                choices=[(u.pk, str(u)) for u in people],
                coerce=int,
                required=False,
                label=team.name,
                widget=forms.CheckboxSelectMultiple,
                initial=[u.pk for u in people if (u.pk, team.pk) in present],
            )
            self.team_fields.append(name)
            for u in people:
                self._people[(team.pk, u.pk)] = (u, team)

    def attendees(self) -> list[AttendeeInput]:
        found = []
        for name in self.team_fields:
            team_pk = int(name.removeprefix("team_"))
            for user_pk in self.cleaned_data.get(name, []):
                user, team = self._people[(team_pk, user_pk)]
                found.append(AttendeeInput(user, team))
        return found
