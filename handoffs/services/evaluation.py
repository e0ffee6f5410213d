"""Rules on events: every enabled rule whose trigger and conditions match runs its action.

The event subscriber here is the only writer of rule evaluations. It is safe to run twice: an
evaluation is unique per rule and event, and a lock on the rule's dedupe key (held until
commit) serialises the dedupe checks of that key across workers. Rules that match without a
dedupe key take no lock, so workers evaluate one rule's events side by side.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from handoffs import actions, rules
from handoffs import context as rule_context
from handoffs.models import Handoff, Rule, RuleEvaluation
from handoffs.services.handoffs import handoff_create
from hub import events
from hub.errors import DomainError
from hub.inserts import InsertOnce
from hub.models import Event


def _trigger_candidates(event_type: str) -> list[str]:
    parts = event_type.split(".")
    return [event_type, "*"] + [".".join(parts[:i]) + ".*" for i in range(1, len(parts))]


def _enabled_rules(event_type: str) -> list[Rule]:
    """The enabled rules this event type triggers, with their teams and channels (shared by the
    events of one drain: a rule changed meanwhile applies from the next drain on)."""
    return events.memo(
        ("handoffs.rules", event_type),
        lambda: list(
            Rule.objects.filter(enabled=True, trigger__in=_trigger_candidates(event_type))
            .prefetch_related("teams", "channels")
            .order_by("id")
        ),
    )


def event_evaluate_rules(event: Event, *, now: datetime | None = None) -> int:
    """Event subscriber: run every enabled rule for this event type. Returns handoffs made."""
    now = now or timezone.now()
    candidates = _enabled_rules(event.type)
    if not candidates:
        return 0
    ctx = rule_context.event_context(event, now)
    # The earlier event about the same subject matters only to "changed to" conditions.
    previous = (
        rule_context.previous_context(event)
        if any(rules.compares_with_previous(rule.conditions) for rule in candidates)
        else None
    )
    made = 0
    for rule in candidates:
        made += _apply_rule(rule, event, ctx, previous, now)
    return made


def _lock_dedupe_key(rule: Rule, key: str) -> None:
    """Serialise, until commit, the dedupe checks of one rule and key across workers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"rule-dedupe:{rule.pk}:{key}"]
            )
    else:  # SQLite has one writer anyway; elsewhere the rule's row lock does it
        Rule.objects.select_for_update().filter(pk=rule.pk).exists()


# The evaluation of a rule on an event, written once: the write that finds one stored already
# says this rule has run on this event (a re-run, a concurrent drain), in the same statement.
_EVALUATION = InsertOnce(
    RuleEvaluation,
    conflict=("rule", "event"),
    given=("rule_id", "rule_version", "event_id", "matched", "details", "outcome", "at"),
)


def _evaluated_now(
    rule: Rule, event: Event, decision: rules.Decision, outcome: str, now: datetime
) -> int | None:
    """Write the rule's evaluation of the event; its id, or None if one was there already
    (then nothing else is to be done: that run's outcome stands)."""
    return _EVALUATION(
        {
            "rule_id": rule.pk,
            "rule_version": rule.version,
            "event_id": event.pk,
            "matched": decision.matched,
            "details": [r.as_dict() for r in decision.results],
            "outcome": outcome[:200],
            "at": now,
        }
    )


def _apply_rule(rule: Rule, event: Event, ctx: dict, previous: dict | None, now: datetime) -> int:
    """Evaluate the rule on the event and run its action, once per rule and event.

    The evaluation is written before the action runs, in the same transaction: a rule that
    has run on this event already (a re-run, another drain) finds its evaluation there and
    does nothing, and a concurrent writer waits on the unique key until this one commits.
    """
    # Inside the subscriber's transaction no savepoint is needed: any error rolls back the lot.
    with transaction.atomic(savepoint=False):
        decision = rules.evaluate(rule.conditions or {}, ctx, previous)
        if not decision.matched:
            _evaluated_now(rule, event, decision, "no match", now)
            return 0
        key = rules.render(rule.dedupe_key, ctx) if rule.dedupe_key else ""
        if key:
            _lock_dedupe_key(rule, key)
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
            _evaluated_now(rule, event, decision, outcome, now)
            return 0
        if action is None:
            outcome = f"matched; the action {rule.action} is not installed"
            _evaluated_now(rule, event, decision, outcome, now)
            return 0
        if not action.uses_handoff_fields:
            # What the action did is known once it ran: the evaluation claims the run first.
            evaluation_id = _evaluated_now(rule, event, decision, "matched; running", now)
            if evaluation_id is None:
                return 0
            run = actions.ActionRun(rule, event, ctx, rule.action_params or {}, now)
            try:
                with transaction.atomic():
                    outcome = f"matched; {action.run(run) if action.run else 'nothing to do'}"
            except DomainError as exc:
                outcome = f"matched; {action.label} refused: {exc.message}"
            RuleEvaluation.objects.filter(pk=evaluation_id).update(outcome=outcome[:200])
            return 0
        teams = list(rule.teams.all())
        made = len(teams)
        outcome = f"matched; {made} handoff{'s' if made != 1 else ''} created"
        if _evaluated_now(rule, event, decision, outcome, now) is None:
            return 0
        for team in teams:
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
                unevaluated=True,  # its evaluation was written just now, in this transaction
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
