from django import forms

from handoffs.models import ImportJob, Integration


class IntegrationForm(forms.Form):
    kind = forms.ChoiceField(choices=Integration.Kind.choices, label="Provider")
    name = forms.CharField(max_length=120, help_text="e.g. “Onfleet, production”.")
    secret = forms.CharField(
        required=False,
        label="Signing secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Onfleet and HubSpot give you one. Leave empty for Typeform and Generic JSON: "
        "Crossdock makes one and shows it once.",
    )


class RenameForm(forms.Form):
    name = forms.CharField(max_length=120)


class RotateForm(forms.Form):
    secret = forms.CharField(
        required=False,
        label="New secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Empty: Crossdock makes one (Typeform, Generic JSON).",
    )
    grace_hours = forms.IntegerField(
        min_value=0,
        max_value=336,
        initial=24,
        label="Keep accepting the old secret for (hours)",
    )


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportJob.Kind.choices, label="What the file is")
    file = forms.FileField(label="CSV file", help_text="Up to 20 MB, UTF-8 (with or without BOM).")

    MAX_BYTES = 20 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is over 20 MB: split it and import the parts.")
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text: export it again as CSV."
            ) from None
        if not text.strip():
            raise forms.ValidationError("The file is empty.")
        if "\x00" in text:
            raise forms.ValidationError(
                "The file holds NUL bytes, so it is not a CSV text file: export it again as CSV "
                "(UTF-8)."
            )
        self.cleaned_data["text"] = text
        return upload
