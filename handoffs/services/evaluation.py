"""Rules on events: every enabled rule whose trigger and conditions match runs its action.

The event subscriber here is the only writer of rule evaluations. It is safe to run twice: an
evaluation is unique per rule and event, and the rule's row lock serialises its dedupe checks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from handoffs import actions, rules
from handoffs import context as rule_context
from handoffs.models import Handoff, Rule, RuleEvaluation
from handoffs.services.handoffs import handoff_create
from hub.errors import DomainError
from hub.models import Event


def _trigger_candidates(event_type: str) -> list[str]:
    parts = event_type.split(".")
    return [event_type, "*"] + [".".join(parts[:i]) + ".*" for i in range(1, len(parts))]


def event_evaluate_rules(event: Event, *, now: datetime | None = None) -> int:
    """Event subscriber: run every enabled rule for this event type. Returns handoffs made."""
    now = now or timezone.now()
    candidates = list(
        Rule.objects.filter(enabled=True, trigger__in=_trigger_candidates(event.type)).values_list(
            "pk", flat=True
        )
    )
    if not candidates:
        return 0
    ctx = rule_context.event_context(event, now)
    previous = rule_context.previous_context(event)
    made = 0
    for rule_id in candidates:
        made += _apply_rule(rule_id, event, ctx, previous, now)
    return made


def _apply_rule(rule_id: int, event: Event, ctx: dict, previous: dict | None, now: datetime) -> int:
    with transaction.atomic():
        # The rule's row lock serialises its dedupe checks across workers.
        rule = Rule.objects.select_for_update().filter(pk=rule_id, enabled=True).first()
        if rule is None or RuleEvaluation.objects.filter(rule=rule, event=event).exists():
            return 0
        decision = rules.evaluate(rule.conditions or {}, ctx, previous)
        outcome, made = "no match", 0
        if decision.matched:
            key = rules.render(rule.dedupe_key, ctx) if rule.dedupe_key else ""
            window_start = now - timedelta(minutes=rule.dedupe_minutes or 0)
            duplicate = (
                key
                and Handoff.objects.filter(
                    rule=rule, dedupe_key=key, created_at__gte=window_start
                ).exists()
            )
            action = actions.get(rule.action)
            if duplicate:
                outcome = f"matched; folded into an earlier handoff (dedupe key {key})"
            elif action is None:
                outcome = f"matched; the action {rule.action} is not installed"
            elif not action.uses_handoff_fields:
                run = actions.ActionRun(rule, event, ctx, rule.action_params or {}, now)
                try:
                    with transaction.atomic():
                        outcome = f"matched; {action.run(run) if action.run else 'nothing to do'}"
                except DomainError as exc:
                    outcome = f"matched; {action.label} refused: {exc.message}"
                outcome = outcome[:200]
            else:
                for team in rule.teams.all():
                    handoff_create(
                        team=team,
                        title=rules.render(rule.title_template, ctx) or rule.name,
                        body=rules.render(rule.message_template, ctx),
                        link=_event_link(event),
                        rule=rule,
                        event=event,
                        requires_ack=rule.requires_ack,
                        sla_minutes=rule.sla_minutes,
                        dedupe_key=key,
                        now=now,
                        fields=_fields(ctx),
                    )
                    made += 1
                outcome = f"matched; {made} handoff{'s' if made != 1 else ''} created"
        RuleEvaluation.objects.create(
            rule=rule,
            rule_version=rule.version,
            event=event,
            matched=decision.matched,
            details=[r.as_dict() for r in decision.results],
            outcome=outcome,
            at=now,
        )
    return made


def _event_link(event: Event) -> str:
    return reverse("handoffs:explain") + f"?event={event.pk}"


def _fields(ctx: dict[str, Any]) -> list[tuple[str, str]]:
    fields = []
    customer, delivery = ctx.get("customer"), ctx.get("delivery")
    if customer:
        fields.append(
            ("Customer", customer.get("name") or customer.get("email") or str(customer["id"]))
        )
        if customer.get("zone"):
            fields.append(("Zone", customer["zone"]))
    if delivery:
        fields.append(("Delivery", delivery["dispatch_id"]))
        fields.append(("Status", delivery["status"]))
    fields.append(("Event", ctx["event"]["type"]))
    return fields
