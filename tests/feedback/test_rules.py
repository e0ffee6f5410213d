"""The loop through handoff rules: a completed delivery sends the CSAT (once per customer per 30
days), a low answer hands the customer to support, and the action previews and dry-runs."""

import json

from django.core import mail

from feedback import services
from feedback.models import Invitation
from handoffs import actions
from handoffs import services as handoff_services
from handoffs.models import Handoff, RuleEvaluation
from hub import events
from hub.models import Event
from tests.feedback.conftest import q, send_outbox
from tests.handoffs.payloads import onfleet_task_event


def completed(task_id: str, key: str) -> Event:
    payload = onfleet_task_event(task_id=task_id, recipient_id="rcp_ana")
    recorded = events.record(
        "onfleet", "onfleet.taskCompleted", key, json.loads(json.dumps(payload))
    )
    events.process(recorded.event.pk)
    return Event.objects.get(pk=recorded.event.pk)


def test_the_action_is_registered_with_its_fields():
    action = actions.get("feedback.send_survey")
    assert action is not None and action.preview is not None
    assert set(action.form_class().fields) == {"survey", "cooldown_days"}


def test_a_completed_delivery_sends_the_csat_once_per_30_days(admin_user, csat, customer, delivery):
    rule = services.rule_survey_after_delivery(actor=admin_user, survey=csat, enable=True)
    first = completed("task-1", "e1")
    completed("task-2", "e2")
    evaluations = RuleEvaluation.objects.filter(rule=rule).order_by("id")
    assert evaluations[0].outcome == "matched; emailed “How was your delivery?” to ana@mail.example"
    assert "already had a survey in the last 30 days" in evaluations[1].outcome
    assert Invitation.objects.count() == 1
    events.replay(first)
    events.process(first.pk)
    assert Invitation.objects.count() == 1
    send_outbox()
    assert [m.to for m in mail.outbox] == [["ana@mail.example"]]


def test_preview_and_dry_run_write_nothing(admin_user, csat, customer, delivery):
    rule = services.rule_survey_after_delivery(actor=admin_user, survey=csat)
    recorded = events.record(
        "onfleet",
        "onfleet.taskCompleted",
        "e3",
        json.loads(json.dumps(onfleet_task_event(task_id="task-1", recipient_id="rcp_ana"))),
    )
    events.process(recorded.event.pk)
    dry = handoff_services.rule_dry_run(rule)
    assert dry.matched == 1
    assert "would email “How was your delivery?” to ana@mail.example" in str(dry.__dict__)
    assert not Invitation.objects.exists()


def test_low_csat_creates_a_support_handoff(admin_user, csat, customer, delivery, cs_member):
    services.rule_low_score_to_support(actor=admin_user, enable=True)
    inv, _ = services.survey_send_for_delivery(survey=csat, customer=customer, delivery=delivery)
    services.response_submit(survey=csat, invitation=inv, data={q(csat, 0): ["1"]})
    services.response_submit(survey=csat, data={q(csat, 0): ["5"]})
    for event in Event.objects.filter(type="feedback.response.received"):
        events.process(event.pk)
    handoff = Handoff.objects.get()
    assert handoff.team.kind == "support"
    assert handoff.title == "Low CSAT (1/5) from Ana Ruiz"
    assert "delivery task-1" in handoff.body
