from __future__ import annotations

from django import forms

from feedback.models import Question, Survey
from hub import selectors as hub_selectors


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = [
            "title",
            "description",
            "audience",
            "anonymous",
            "min_group_size",
            "schedule",
            "driver_scope",
            "drivers",
            "recipients",
            "reminder_after_days",
            "max_reminders",
            "expires_after_days",
            "typeform_form_id",
            "embed_origins",
            "thank_you",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "recipients": forms.Textarea(attrs={"rows": 3}),
            "drivers": forms.CheckboxSelectMultiple,
        }
        labels = {
            "reminder_after_days": "Remind after (days)",
            "max_reminders": "At most this many reminders",
            "expires_after_days": "Links expire after (days)",
            "typeform_form_id": "Linked Typeform form id",
            "driver_scope": "Drivers invited",
            "drivers": "Chosen drivers",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.audience != Survey.Audience.DRIVERS:
            # Only driver surveys choose drivers; the others keep what they had.
            del self.fields["driver_scope"]
            del self.fields["drivers"]
        else:
            self.fields["drivers"].queryset = hub_selectors.driver_choices()
            self.fields["drivers"].label_from_instance = lambda d: (
                f"{d}{' · ' + d.email if d.email else ' · no email'}"
                f"{'' if d.active else ' · inactive'}"
            )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(choices=Question.Kind.choices, label="Type")
    text = forms.CharField(max_length=300, label="Question")
    required = forms.BooleanField(required=False)
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Options (one a line, for choice questions)",
    )
    measures = forms.ChoiceField(
        choices=Question.Measure.choices, required=False, label="Feeds the KPI"
    )
    show_if = forms.ModelChoiceField(
        queryset=Question.objects.none(), required=False, label="Show only if the answer to"
    )
    show_if_values = forms.CharField(
        required=False, max_length=200, label="is one of (comma-separated)"
    )
    external_ref = forms.CharField(
        required=False, max_length=120, label="Typeform field ref or CSV heading"
    )

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["show_if"].queryset = survey.questions.all()


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV export from Typeform or Google Forms")


class TagForm(forms.Form):
    theme = forms.CharField(max_length=60, label="Theme")


class QuestionEditForm(forms.Form):
    text = forms.CharField(max_length=300, label="Question")
    help_text = forms.CharField(max_length=300, required=False, label="Help below the question")
    required = forms.BooleanField(required=False)
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Options (one a line)",
    )
