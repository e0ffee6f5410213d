"""The rule action ``feedback.send_survey``: a handoff rule's "then" that emails a survey to the
customer of the event's delivery, at most once per customer per cooldown."""

from __future__ import annotations

from django import forms

from handoffs import actions
from hub.models import Customer, Delivery


class SendSurveyFields(forms.Form):
    survey = forms.ModelChoiceField(
        queryset=None,
        label="Survey",
        help_text="A customer survey; open it before the rule can send it.",
    )
    cooldown_days = forms.IntegerField(
        min_value=1,
        max_value=365,
        initial=30,
        label="At most one survey per customer every (days)",
    )

    def __init__(self, *args, **kwargs):
        from feedback.models import Survey

        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = Survey.objects.filter(
            audience=Survey.Audience.CUSTOMERS
        ).exclude(status=Survey.Status.CLOSED)


def _facts(run: actions.ActionRun) -> tuple[Customer | None, Delivery | None]:
    delivery_view = run.context.get("delivery") or {}
    customer_view = run.context.get("customer") or {}
    delivery = (
        Delivery.objects.filter(pk=delivery_view.get("id")).first() if delivery_view else None
    )
    customer = (
        Customer.objects.filter(pk=customer_view.get("id")).first() if customer_view else None
    )
    return customer, delivery


def _survey(run: actions.ActionRun):
    from feedback.models import Survey

    return Survey.objects.filter(pk=run.params.get("survey")).first()


def send_survey(run: actions.ActionRun) -> str:
    """Run: invite the event's customer (through feedback's services) and say what happened."""
    from feedback import services

    survey = _survey(run)
    if survey is None:
        return "skipped: the survey no longer exists"
    customer, delivery = _facts(run)
    _, said = services.survey_send_for_delivery(
        survey=survey,
        customer=customer,
        delivery=delivery,
        cooldown_days=int(run.params.get("cooldown_days") or 30),
        now=run.now,
    )
    return said


def preview_survey(run: actions.ActionRun) -> str:
    """Preview and dry run: what ``send_survey`` would do; writes nothing."""
    from feedback import services

    survey = _survey(run)
    if survey is None:
        return "would send nothing: choose a survey"
    customer, delivery = _facts(run)
    if run.event is None:
        return f"would email “{survey.title}” to the delivery's customer"
    _, said = services.survey_send_for_delivery(
        survey=survey,
        customer=customer,
        delivery=delivery,
        cooldown_days=int(run.params.get("cooldown_days") or 30),
        now=run.now,
        dry_run=True,
    )
    return said


def register() -> None:
    actions.register(
        actions.Action(
            key="feedback.send_survey",
            label="Send a survey",
            description=(
                "Email the customer of the event's delivery a survey invitation, at most once "
                "per customer in the cooldown."
            ),
            form_class=SendSurveyFields,
            run=send_survey,
            preview=preview_survey,
        )
    )
