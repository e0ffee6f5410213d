"""The demo company's history came from events: the event log, integrations, dry runs and
Explain all have months of it, and every handoff is linked to the event and evaluation that
made it, exactly as the worker would have recorded them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from handoffs import context, rules, selectors, services
from handoffs.models import Handoff, Integration, Rule, RuleEvaluation
from hub import demo
from hub.models import Event


@pytest.fixture
def swiftdrop(db):
    demo.load(deliveries=3000)


def test_demo_event_log_has_months_of_processed_history(swiftdrop):
    now = timezone.now()
    assert Event.objects.exclude(status="processed").count() == 0
    oldest = Event.objects.order_by("received_at").first().received_at
    assert oldest < now - timedelta(days=60)
    types = set(Event.objects.values_list("type", flat=True).distinct())
    assert {
        "onfleet.taskCompleted",
        "onfleet.taskFailed",
        "hubspot.contact.creation",
        "typeform.form_response",
        "hub.campaign.scheduled",
        "hub.promo_code.created",
    } <= types
    for integration in Integration.objects.filter(name__endswith="(demo)"):
        assert integration.last_event_at is not None, integration.name
        stats = selectors.integration_stats(integration, now)
        assert stats.events_total > 0
    assert selectors.event_types()  # the rule editor's event-type list


def test_every_demo_handoff_is_linked_to_its_event_and_evaluation(swiftdrop):
    handoffs = Handoff.objects.filter(rule__isnull=False).select_related("rule", "event")
    assert handoffs.count() > 50
    assert not handoffs.filter(event__isnull=True).exists()
    for handoff in handoffs[:200]:
        evaluation = RuleEvaluation.objects.get(rule=handoff.rule, event=handoff.event)
        assert evaluation.matched
        assert handoff.link == f"/handoffs/explain/?event={handoff.event_id}"
        assert "#" not in handoff.title


def test_demo_evaluations_are_what_the_worker_would_have_recorded(swiftdrop):
    evaluations = RuleEvaluation.objects.select_related("rule", "event").order_by("?")[:60]
    assert evaluations
    for evaluation in evaluations:
        event = evaluation.event
        ctx = context.event_context(event, evaluation.at)
        decision = rules.evaluate(evaluation.rule.conditions, ctx)
        assert decision.matched == evaluation.matched
        assert [r.as_dict() for r in decision.results] == evaluation.details
        for handoff in Handoff.objects.filter(rule=evaluation.rule, event=event):
            assert handoff.title == rules.render(evaluation.rule.title_template, ctx)


def test_dry_run_and_explain_find_the_demo_events(swiftdrop):
    rule = Rule.objects.get(template_key="failed_first_delivery")
    result = services.rule_dry_run(rule)
    assert result.events_checked > 0
    campaign_rule = Rule.objects.get(template_key="campaign_capacity")
    handoff = Handoff.objects.filter(rule=campaign_rule).first()
    assert handoff is not None
    assert "Confirm capacity:" in handoff.title
    assert selectors.explain_events(
        event_id=handoff.event_id, customer_id=None, delivery_id=None
    ) == [handoff.event]
    assert Handoff.objects.filter(status="missed").exists()
    assert Handoff.objects.filter(status="acknowledged").exists()
