"""Writing rules: ready-made templates, versioned saves, enabling, and dry runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from handoffs import actions, rules
from handoffs import context as rule_context
from handoffs.models import Channel, Rule, RuleVersion
from hub import audit, events
from hub.errors import DomainError
from hub.models import Event, Role, Team, User

# Ready-made rules for the practices Crossdock serves; one click adopts a disabled copy.
TEMPLATES: dict[str, dict[str, Any]] = {
    "new_signup": {
        "name": "New signup → Ops and CS",
        "description": "Every new customer in the CRM reaches operations and customer support.",
        "trigger": "hubspot.contact.creation",
        "conditions": {"match": "all", "conditions": []},
        "teams": ["operations", "support"],
        "title": "New signup: {% firstof customer.name customer.email 'a new contact' %}"
        "{% if customer.zone_name %} in {{ customer.zone_name }}{% endif %}",
        "message": "A new customer signed up"
        "{% if customer.zone %} in {{ customer.zone }}{% endif %}"
        "{% if customer.acquisition_source %} via {{ customer.acquisition_source }}{% endif %}.",
        "sla_minutes": 240,
        "dedupe_key": "{{ payload.objectId }}",
        "minutes_saved": 5,
        "owner": "marketing",
    },
    "promo_code_created": {
        "name": "Promo code created → notify Ops",
        "description": "Drivers and dispatch hear about every new promo code before customers do.",
        "trigger": "hub.promo_code.created",
        "conditions": {"match": "all", "conditions": []},
        "teams": ["operations"],
        "title": "{% if payload.batch_size > 1 %}{{ payload.batch_size }} new codes"
        "{% else %}New promo code {{ payload.code }}{% endif %}"
        " ({{ payload.discount_percent }}% off)"
        "{% if payload.campaign %} for {{ payload.campaign }}{% endif %}"
        "{% if payload.zone_names %} in {{ payload.zone_names|join:', ' }}{% endif %}",
        "message": "{{ payload.discount_percent }}% off{% if payload.campaign %} for "
        "“{{ payload.campaign }}”{% endif %}, valid {{ payload.valid_from }} to "
        "{{ payload.valid_until }}.",
        "sla_minutes": 480,
        # Codes generated or imported together are one handoff, not one per code.
        "dedupe_key": "{{ payload.batch }}",
        "minutes_saved": 10,
        "owner": "marketing",
    },
    "campaign_capacity": {
        "name": "Campaign scheduled in a zone → Ops confirms capacity",
        "description": "Operations must confirm capacity before a campaign launches in a zone.",
        "trigger": "hub.campaign.scheduled",
        "conditions": {"match": "all", "conditions": []},
        "teams": ["operations"],
        "title": "Confirm capacity: {{ payload.name }} in "
        "{% firstof payload.zone_names|join:', ' payload.zones|join:', ' %} "
        "from {{ payload.starts_on }}",
        "message": "Zones: {% firstof payload.zone_names|join:', ' payload.zones|join:', ' %}. "
        "Acknowledge once capacity is confirmed.",
        "sla_minutes": 1440,
        "dedupe_key": "{{ payload.campaign_id }}",
        "minutes_saved": 30,
        "owner": "marketing",
    },
    "failed_first_delivery": {
        "name": "Failed first delivery of a new customer → CS",
        "description": "Support reaches out before a new customer's first bad experience sticks.",
        "trigger": "onfleet.taskFailed",
        "conditions": {
            "match": "all",
            "conditions": [{"field": "delivery.is_first", "op": "is_true", "value": ""}],
        },
        "teams": ["support"],
        "title": "First delivery failed for {% firstof customer.name 'a new customer' %}"
        "{% if delivery.zone_name %} in {{ delivery.zone_name }}{% endif %}",
        "message": "Reason: {{ delivery.failure_reason|default:'not given' }}. "
        "Zone: {{ delivery.zone|default:'unknown' }}.",
        "sla_minutes": 60,
        "dedupe_key": "{{ customer.id }}",
        "minutes_saved": 15,
        "owner": "support",
    },
    "low_csat": {
        "name": "Low CSAT → CS and Ops",
        "description": "A score of 2 or less reaches support and operations within the hour.",
        "trigger": "typeform.form_response",
        "conditions": {
            "match": "all",
            "conditions": [
                {"field": "payload.form_response.answers.0.number", "op": "lte", "value": "2"}
            ],
        },
        "teams": ["support", "operations"],
        "title": "Low satisfaction score {{ payload.form_response.answers.0.number }}/5 from "
        "{{ payload.form_response.hidden.customer_email|default:'a customer' }}",
        "message": "From {{ payload.form_response.hidden.customer_email|default:'a customer' }}.",
        "sla_minutes": 60,
        "dedupe_key": "{{ payload.form_response.token }}",
        "minutes_saved": 10,
        "owner": "support",
    },
    "high_value_lead": {
        "name": "New high-value lead → Marketing, now",
        "description": "Deals above a value reach marketing and sales immediately.",
        "trigger": "hubspot.deal.propertyChange",
        "conditions": {
            "match": "all",
            "conditions": [
                {"field": "payload.propertyName", "op": "eq", "value": "amount"},
                {"field": "payload.propertyValue", "op": "gte", "value": "5000"},
            ],
        },
        "teams": ["marketing"],
        "title": "High-value lead: deal {{ payload.objectId }} worth {{ payload.propertyValue }}",
        "message": "Follow up today.",
        "sla_minutes": 30,
        "dedupe_key": "{{ payload.objectId }}",
        "minutes_saved": 10,
        "owner": "marketing",
    },
}


def rule_template_register(key: str, template: dict[str, Any]) -> None:
    """Offer a ready-made rule in the gallery, from a module's ``AppConfig.ready()``: the keys
    of the entries above, plus optionally ``action`` and ``action_params`` for a rule whose
    "then" is a registered action. Registering the same key again replaces it."""
    missing = {"name", "description", "trigger", "teams", "title", "owner"} - set(template)
    if missing:
        raise ValueError(f"Rule template {key} needs {', '.join(sorted(missing))}.")
    TEMPLATES[key] = {
        "conditions": {"match": "all", "conditions": []},
        "message": "",
        "sla_minutes": None,
        "dedupe_key": "",
        "minutes_saved": 5,
        **template,
    }


@dataclass
class RuleInput:
    name: str
    trigger: str
    teams: list[Team]
    owner_team: Team
    title_template: str
    message_template: str = ""
    description: str = ""
    conditions: dict[str, Any] = field(default_factory=lambda: {"match": "all", "conditions": []})
    channels: list[Channel] = field(default_factory=list)
    requires_ack: bool = True
    sla_minutes: int | None = None
    escalate_to_team: Team | None = None
    escalate_channel: Channel | None = None
    escalate_to_managers: bool = True
    dedupe_key: str = ""
    dedupe_minutes: int = 60
    minutes_saved: int = 5
    action: str = actions.HANDOFF
    # The action's own fields, as submitted; checked and cleaned by the action's form.
    action_params: dict[str, Any] = field(default_factory=dict)


def _action_params(data: RuleInput) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The action's cleaned params, and its problems as (field, message)."""
    action = actions.get(data.action)
    if action is None:
        return {}, [("action", "Choose what the rule does.")]
    params, errors = actions.clean_params(action, data.action_params)
    if errors:
        detail = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        return {}, [("action", f"Check the settings of “{action.label}”: {detail}")]
    return params, []


def rule_problems(data: RuleInput) -> list[tuple[str, str]]:
    """Every problem of a rule as (field, message), all at once, so the form can show them
    together; an empty list when it can be saved."""
    _params, problems = _action_params(data)
    if not data.name.strip():
        problems.append(("name", "Give the rule a name."))
    trigger = data.trigger.strip()
    if not trigger or " " in trigger:
        problems.append(("trigger", "Choose the event type that triggers the rule."))
    action = actions.get(data.action)
    if action is None or not action.uses_handoff_fields:
        return problems
    if not data.teams:
        problems.append(("teams", "Choose at least one receiving team."))
    condition_problems = rules.validate_spec(data.conditions)
    if condition_problems:
        problems.append(("conditions", " ".join(condition_problems)))
    for name, template in (
        ("title_template", data.title_template),
        ("message_template", data.message_template),
        ("dedupe_key", data.dedupe_key),
    ):
        problem = rules.template_problem(template)
        if problem:
            problems.append((name, f"The template does not work: {problem}"))
    if not data.title_template.strip():
        problems.append(("title_template", "Write the alert's title."))
    if data.requires_ack and data.sla_minutes is not None and data.sla_minutes < 1:
        problems.append(("sla_minutes", "The SLA is at least one minute."))
    team_ids = {t.pk for t in data.teams}
    for channel in data.channels:
        if channel.team_id not in team_ids:
            problems.append(
                (
                    "channels",
                    f"{channel} belongs to {channel.team}, which does not receive this rule.",
                )
            )
    return problems


def _check(data: RuleInput) -> dict[str, Any]:
    """Refuse what cannot work (every problem at once); returns the action's cleaned params."""
    problems = rule_problems(data)
    if problems:
        field_name, message = problems[0]
        errors: dict[str, list[str]] = {}
        for name, text in problems:
            errors.setdefault(name, []).append(text)
        raise DomainError(message, field=field_name, errors=errors)
    params, _problems = _action_params(data)
    return params


def snapshot(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "trigger": rule.trigger,
        "conditions": rule.conditions,
        "teams": sorted(t.name for t in rule.teams.all()),
        "channels": sorted(str(c) for c in rule.channels.all()),
        "title_template": rule.title_template,
        "message_template": rule.message_template,
        "requires_ack": rule.requires_ack,
        "sla_minutes": rule.sla_minutes,
        "escalate_to_team": str(rule.escalate_to_team or ""),
        "escalate_channel": str(rule.escalate_channel or ""),
        "escalate_to_managers": rule.escalate_to_managers,
        "dedupe_key": rule.dedupe_key,
        "dedupe_minutes": rule.dedupe_minutes,
        "owner_team": str(rule.owner_team),
        "minutes_saved": rule.minutes_saved,
        "action": rule.action,
        "action_params": rule.action_params,
        "enabled": rule.enabled,
    }


@transaction.atomic
def rule_save(*, actor: User, data: RuleInput, rule: Rule | None = None, note: str = "") -> Rule:
    """Create or change a rule; every save is a new version, recorded with who made it."""
    params = _check(data)
    creating = rule is None
    if rule is None:
        rule = Rule(owner=actor)
    else:
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        rule.version += 1
    rule.name = data.name.strip()
    rule.description = data.description.strip()
    rule.trigger = data.trigger.strip()
    rule.conditions = data.conditions
    rule.owner_team = data.owner_team
    rule.title_template = data.title_template.strip()
    rule.message_template = data.message_template.strip()
    rule.requires_ack = data.requires_ack
    rule.sla_minutes = data.sla_minutes if data.requires_ack else None
    rule.escalate_to_team = data.escalate_to_team
    rule.escalate_channel = data.escalate_channel
    rule.escalate_to_managers = data.escalate_to_managers
    rule.dedupe_key = data.dedupe_key.strip()
    rule.dedupe_minutes = data.dedupe_minutes
    rule.minutes_saved = data.minutes_saved
    rule.action = data.action
    rule.action_params = params
    rule.save()
    rule.teams.set(data.teams)
    rule.channels.set(data.channels)
    RuleVersion.objects.create(
        rule=rule, version=rule.version, snapshot=snapshot(rule), changed_by=actor, note=note[:200]
    )
    audit.record(
        actor=actor,
        action="rule.create" if creating else "rule.update",
        obj=rule,
        changes={"version": rule.version},
    )
    return rule


@transaction.atomic
def rule_set_enabled(*, actor: User, rule: Rule, enabled: bool) -> Rule:
    """Turn a rule on or off (a new version, so handoffs say which version made them)."""
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if rule.enabled == enabled:
        return rule
    rule.enabled = enabled
    rule.version += 1
    rule.save(update_fields=["enabled", "version", "updated_at"])
    RuleVersion.objects.create(
        rule=rule,
        version=rule.version,
        snapshot=snapshot(rule),
        changed_by=actor,
        note="enabled" if enabled else "disabled",
    )
    audit.record(actor=actor, action="rule.enable" if enabled else "rule.disable", obj=rule)
    return rule


@transaction.atomic
def rule_delete(*, actor: User, rule: Rule) -> None:
    """Delete a rule (its handoffs stay, naming no rule); audited."""
    audit.record(actor=actor, action="rule.delete", obj=rule)
    rule.delete()


def _team_for(key: str) -> Team | None:
    return Team.objects.filter(Q(kind=key) | Q(slug=key)).order_by("id").first()


@transaction.atomic
def rule_from_template(*, actor: User, key: str) -> Rule:
    """Adopt a ready-made rule: a disabled copy to edit, dry-run, then enable."""
    template = TEMPLATES.get(key)
    if template is None:
        raise DomainError("No such template.")
    teams = [t for t in (_team_for(k) for k in template["teams"]) if t is not None]
    hands_off = template.get("action", actions.HANDOFF) == actions.HANDOFF
    if not teams and hands_off:
        teams = list(Team.objects.order_by("id")[:1])
    owner = _team_for(template["owner"]) or (teams[0] if teams else None)
    owner = owner or Team.objects.order_by("id").first()
    if owner is None or (hands_off and not teams):
        raise DomainError("Create a team first: rules hand work to teams.")
    name = template["name"]
    copies = Rule.objects.filter(template_key=key).count()
    if copies:
        name = f"{name} (copy {copies + 1})"
    rule = rule_save(
        actor=actor,
        data=RuleInput(
            name=name,
            description=template["description"],
            trigger=template["trigger"],
            conditions=template["conditions"],
            teams=teams,
            owner_team=owner,
            title_template=template["title"],
            message_template=template["message"],
            sla_minutes=template["sla_minutes"],
            dedupe_key=template["dedupe_key"],
            minutes_saved=template["minutes_saved"],
            action=template.get("action", actions.HANDOFF),
            action_params=dict(template.get("action_params") or {}),
            channels=list(
                Channel.objects.filter(team__in=teams, enabled=True).exclude(
                    kind=Channel.Kind.INBOX
                )
            ),
        ),
        note=f"from template {key}",
    )
    Rule.objects.filter(pk=rule.pk).update(template_key=key)
    return rule


# --- Dry runs -----------------------------------------------------------------------------------


@dataclass
class DryRun:
    events_checked: int = 0
    matched: int = 0
    handoffs: int = 0
    deduplicated: int = 0
    per_day: list[tuple[date, int]] = field(default_factory=list)
    per_team: dict[str, int] = field(default_factory=dict)
    samples: list[dict[str, str]] = field(default_factory=list)
    limited: bool = False
    # Runs of an action other than handing off (e.g. "send a survey").
    actions: int = 0


def _action_sample(
    rule: Rule, action: actions.Action | None, event: Event, ctx: dict[str, Any]
) -> dict[str, str]:
    if action is None:
        return {"event": f"{event.type} #{event.pk}", "title": rule.action, "message": ""}
    run = actions.ActionRun(rule, event, ctx, rule.action_params or {}, event.received_at)
    try:
        said = action.preview(run) if action.preview else action.description
    except Exception as exc:  # a preview must never break the dry run
        said = f"(preview failed: {type(exc).__name__})"
    return {"event": f"{event.type} #{event.pk}", "title": action.label, "message": said}


def rule_dry_run(
    rule: Rule, *, days: int = 30, now: datetime | None = None, limit: int = 5000
) -> DryRun:
    """What the rule would have done over the last ``days`` of real events. Writes nothing."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    trigger_q = Q(type=rule.trigger)
    if rule.trigger.endswith("*"):
        trigger_q = Q(type__startswith=rule.trigger[:-1]) if rule.trigger != "*" else Q()
    qs = Event.objects.filter(trigger_q, received_at__gte=since).order_by("received_at", "id")
    result = DryRun()
    recent = list(qs[: limit + 1])
    if len(recent) > limit:
        result.limited, recent = True, recent[:limit]
    action = actions.get(rule.action)
    hands_off = action is not None and action.uses_handoff_fields
    teams = [t.name for t in rule.teams.all()] if hands_off else []
    per_day: Counter[date] = Counter()
    last_key_at: dict[str, datetime] = {}
    window = timedelta(minutes=rule.dedupe_minutes or 0)
    # The events share the configuration they read (zones), as a drain's do.
    with events.batch():
        for event in recent:
            result.events_checked += 1
            ctx = rule_context.event_context(event, event.received_at)
            decision = rules.evaluate(
                rule.conditions or {}, ctx, rule_context.previous_context(event)
            )
            if not decision.matched:
                continue
            result.matched += 1
            key = rules.render(rule.dedupe_key, ctx) if rule.dedupe_key else ""
            if key and key in last_key_at and event.received_at - last_key_at[key] < window:
                result.deduplicated += 1
                continue
            if key:
                last_key_at[key] = event.received_at
            if not hands_off:
                result.actions += 1
                per_day[timezone.localtime(event.received_at).date()] += 1
                if len(result.samples) < 5:
                    result.samples.append(_action_sample(rule, action, event, ctx))
                continue
            result.handoffs += len(teams)
            per_day[timezone.localtime(event.received_at).date()] += len(teams)
            for team in teams:
                result.per_team[team] = result.per_team.get(team, 0) + 1
            if len(result.samples) < 5:
                result.samples.append(
                    {
                        "event": f"{event.type} #{event.pk}",
                        "title": rules.render(rule.title_template, ctx),
                        "message": rules.render(rule.message_template, ctx),
                    }
                )
    start = since.date()
    result.per_day = [
        (start + timedelta(days=i), per_day.get(start + timedelta(days=i), 0))
        for i in range(days + 1)
    ]
    return result


def preview(rule_input: dict[str, str], event: Event | None) -> dict[str, str]:
    """The title and message as an alert would show them for ``event`` (live preview)."""
    if event is None:
        return {"title": "", "message": "", "note": "No event of this type yet to preview with."}
    ctx = rule_context.event_context(event, timezone.now())
    return {
        "title": rules.render(rule_input.get("title_template", ""), ctx),
        "message": rules.render(rule_input.get("message_template", ""), ctx),
        "note": f"Rendered with {event.type} #{event.pk}.",
    }


def rules_needing_owner() -> list[Rule]:
    """Enabled rules whose owner left (deactivated) or is no longer in the owner team."""
    flagged = []
    for rule in Rule.objects.select_related("owner").prefetch_related("owner__memberships"):
        owner = rule.owner
        if owner is None or not owner.is_active:
            flagged.append(rule)
            continue
        memberships = list(owner.memberships.all())
        in_team = any(m.team_id == rule.owner_team_id for m in memberships)
        admin = owner.is_superuser or any(m.role == Role.ADMIN for m in memberships)
        if not in_team and not admin:
            flagged.append(rule)
    return flagged
