"""SwiftDrop's handoff content: channels, the ready-made rules, integrations, 90 days of history."""

from __future__ import annotations

from datetime import timedelta

from handoffs import services
from handoffs.models import Channel, Handoff, Integration, Rule
from hub.demo import DEMO_PREFIX
from hub.models import Customer, Delivery, Event

ENABLED = ["new_signup", "promo_code_created", "failed_first_delivery", "low_csat"]
# Missed handoffs per 30 days, oldest first: the trend the scorecard should show.
MISSED = [13, 10, 7]


def load(*, now, rng, users, teams) -> None:
    admin = users["maya"]
    for team in teams.values():
        Channel.objects.get_or_create(
            team=team, kind=Channel.Kind.INBOX, defaults={"name": "In-app inbox"}
        )
        Channel.objects.get_or_create(
            team=team, kind=Channel.Kind.EMAIL, defaults={"name": f"{team.name} email"}
        )
    Integration.objects.get_or_create(
        name="Onfleet (demo)", kind="onfleet", defaults={"secret": "ab" * 32, "created_by": admin}
    )
    Integration.objects.get_or_create(
        name="HubSpot (demo)",
        kind="hubspot",
        defaults={"secret": "demo-client-secret", "created_by": admin},
    )
    rules = {}
    for key in services.TEMPLATES:
        rule = services.rule_from_template(actor=admin, key=key)
        if key in ENABLED:
            rule = services.rule_set_enabled(actor=admin, rule=rule, enabled=True)
        rules[key] = rule
    Rule.objects.filter(pk__in=[r.pk for r in rules.values()]).update(owner=admin)
    _history(now, rng, rules, teams, users)


def _history(now, rng, rules, teams, users) -> None:
    """Past handoffs (no alerts): acknowledged ones with their times, and the misses."""
    people = list(users.values())
    handoffs = []
    for window, missed in enumerate(MISSED):
        start = now - timedelta(days=90 - 30 * window)
        total = 60 + 10 * window
        for n in range(total):
            created = start + timedelta(minutes=rng.randrange(0, 30 * 24 * 60))
            if created >= now:
                continue
            rule = rng.choice(list(rules.values()))
            team = rng.choice(list(rule.teams.all()) or list(teams.values()))
            sla = timedelta(minutes=rule.sla_minutes or 240)
            handoff = Handoff(
                rule=rule,
                rule_version=rule.version,
                team=team,
                created_at=created,
                title=f"{rule.name.split('→')[0].strip()} #{window}{n:03d}",
                body="From SwiftDrop's demo history.",
                due_at=created + sla,
            )
            if n < missed:
                handoff.status = Handoff.Status.MISSED
                handoff.missed_at = created + sla
            else:
                # Acknowledgement got faster month by month.
                minutes = rng.uniform(5, (sla.total_seconds() / 60) * (0.6 - 0.15 * window))
                handoff.status = Handoff.Status.ACKNOWLEDGED
                handoff.acknowledged_at = created + timedelta(minutes=minutes)
                handoff.acknowledged_by = rng.choice(people)
                handoff.acknowledged_via = rng.choice(["app", "email", "slack"])
            handoffs.append(handoff)
    Handoff.objects.bulk_create(handoffs, batch_size=1000)


def _events(now, rng, onfleet, hubspot, typeform) -> None:
    """A month of provider events, shaped as the providers send them, already processed: so
    rule previews, dry runs and Explain have real events to work with."""
    since = now - timedelta(days=30)
    rows = []
    deliveries = Delivery.objects.filter(
        dispatch_id__startswith=DEMO_PREFIX, completed_at__gte=since
    ).select_related("customer")
    for d in deliveries.order_by("?")[:400]:
        trigger = "taskFailed" if d.status == Delivery.Status.FAILED else "taskCompleted"
        ms = int(d.completed_at.timestamp() * 1000)
        payload = {
            "taskId": d.dispatch_id,
            "time": ms,
            "triggerName": trigger,
            "triggerId": 4 if trigger == "taskFailed" else 3,
            "data": {
                "task": {
                    "id": d.dispatch_id,
                    "state": 3,
                    "completeAfter": int(d.window_start.timestamp() * 1000),
                    "completeBefore": int(d.window_end.timestamp() * 1000),
                    "completionDetails": {
                        "success": trigger == "taskCompleted",
                        "time": ms,
                        "failureReason": "NOT_AVAILABLE" if d.failure_reason else "NONE",
                        "failureNotes": d.failure_reason,
                    },
                    "recipients": [
                        {
                            "name": d.customer.name if d.customer else "",
                            "phone": d.customer.phone if d.customer else "",
                        }
                    ],
                }
            },
        }
        rows.append(
            _event(
                "onfleet",
                f"onfleet.{trigger}",
                f"{trigger}:{d.dispatch_id}:{ms}",
                payload,
                d.completed_at,
                onfleet,
                f"task:{d.dispatch_id}",
            )
        )
    for c in Customer.objects.filter(
        crm_id__startswith=DEMO_PREFIX, first_seen_at__gte=since
    ).order_by("?")[:150]:
        ms = int(c.first_seen_at.timestamp() * 1000)
        payload = {
            "eventId": c.pk,
            "subscriptionId": 25,
            "portalId": 33,
            "occurredAt": ms,
            "subscriptionType": "contact.creation",
            "objectId": c.crm_id,
            "attemptNumber": 0,
        }
        rows.append(
            _event(
                "hubspot",
                "hubspot.contact.creation",
                f"33:25:{c.pk}:{c.crm_id}:{ms}:",
                payload,
                c.first_seen_at,
                hubspot,
                f"contact:{c.crm_id}",
            )
        )
    for n in range(80):
        at = since + timedelta(minutes=rng.randrange(30 * 24 * 60))
        score = rng.choices([1, 2, 3, 4, 5], weights=[4, 6, 15, 40, 35])[0]
        payload = {
            "event_id": f"demo-tf-{n}",
            "event_type": "form_response",
            "form_response": {
                "form_id": "csat01",
                "token": f"demo-token-{n}",
                "submitted_at": at.isoformat(),
                "hidden": {"customer_email": f"customer{n}@mail.example"},
                "answers": [
                    {
                        "type": "number",
                        "number": score,
                        "field": {"id": "q1", "type": "opinion_scale"},
                    }
                ],
            },
        }
        rows.append(
            _event(
                "typeform",
                "typeform.form_response",
                f"demo-tf-{n}",
                payload,
                at,
                typeform,
                "form:csat01",
            )
        )
    Event.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


def _event(source, type_, external_id, payload, at, integration, subject) -> Event:
    return Event(
        source=source,
        type=type_,
        external_id=external_id,
        payload=payload,
        occurred_at=at,
        received_at=at,
        processed_at=at,
        status=Event.Status.PROCESSED,
        attempts=1,
        integration_id=integration.pk,
        subject=subject,
    )


def reset(*, domain: str) -> None:
    demo_rules = Rule.objects.filter(owner__email__endswith=f"@{domain}")
    Handoff.objects.filter(rule__in=demo_rules).delete()
    demo_rules.delete()
    demo_integrations = Integration.objects.filter(name__endswith="(demo)")
    Event.objects.filter(
        integration_id__in=list(demo_integrations.values_list("pk", flat=True))
    ).delete()
    demo_integrations.delete()
