from django import forms
from django.urls import reverse_lazy

from hub.models import Team
from wiki.models import Page, Space, Template


class PageNewForm(forms.Form):
    title = forms.CharField(max_length=200)
    space = forms.ModelChoiceField(queryset=Space.objects.order_by("name"), empty_label=None)
    template = forms.ChoiceField(choices=Template.choices, initial=Template.BLANK)
    owner_team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        help_text="Defaults to the space's team, or your own team in Shared.",
    )
    parent = forms.ModelChoiceField(
        queryset=Page.objects.order_by("title"), required=False, label="Under page"
    )


class PageEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 22,
                "spellcheck": "true",
                "class": "md-editor",
                # Live preview: rendered server-side by the same sanitising renderer.
                "hx-post": reverse_lazy("wiki:preview"),
                "hx-trigger": "input changed delay:400ms, load",
                "hx-target": "#preview",
                "hx-swap": "innerHTML",
            }
        ),
        help_text="Markdown: # headings, | tables |, - [ ] checklists, ``` code, "
        "[[Page title]] links, @team and @person mentions.",
    )
    note = forms.CharField(max_length=200, required=False, label="What changed")
    base_number = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PageSettingsForm(forms.Form):
    owner_team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), empty_label=None)
    review_every_days = forms.IntegerField(min_value=1, max_value=3650, label="Review every (days)")
    parent = forms.ModelChoiceField(
        queryset=Page.objects.none(), required=False, label="Under page"
    )

    def __init__(self, *args, page: Page, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = (  # type: ignore[attr-defined]
            Page.objects.filter(space=page.space).exclude(pk=page.pk).order_by("title")
        )


class CommentForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000, label="Comment"
    )
    quote = forms.CharField(
        required=False,
        max_length=1000,
        label="On the passage",
        help_text="Select text on the page to quote it, or paste it here.",
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    file = forms.FileField()
