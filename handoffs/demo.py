"""SwiftDrop's handoff content: channels, the ready-made rules, integrations, and 90 days of
history that came from events.

Every delivery, signup, survey answer, campaign and promo code of the demo company is an event
in the log, stored exactly as the real path stores it (a provider's payload through its
integration, or an internal ``hub.*`` event), already processed. The enabled rules were
evaluated on those events with the same pure functions the worker uses (``rules.evaluate`` on
``context.event_context``), so each rule evaluation and each handoff is linked to the event
that made it: dry runs, Explain, integration health and the event log have months of history.
Rows are bulk-inserted so that ``seed_demo`` stays fast.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse

from handoffs import context as rule_context
from handoffs import rules as rule_engine
from handoffs import services
from handoffs.models import Channel, Handoff, Integration, Rule, RuleEvaluation, RuleVersion
from hub import business
from hub import events as hub_events
from hub.demo import DAYS, DEMO_DOMAIN, DEMO_PREFIX
from hub.models import (
    Campaign,
    Customer,
    Delivery,
    Event,
    Incident,
    Membership,
    PromoCode,
)

ENABLED = [
    "new_signup",
    "promo_code_created",
    "campaign_capacity",
    "failed_first_delivery",
    "low_csat",
]
# Missed handoffs per 30 days, oldest first: the trend the scorecard should show.
MISSED = [13, 10, 7]
# At most this many dispatch events (a big benchmark company keeps a sample of its history),
# and of failed ones (kept apart: rules and support follow them) and CRM signups, so that the
# event history stops growing with the company's size from about a million deliveries on.
MAX_DISPATCH_EVENTS = 40000
MAX_FAILED_EVENTS = 40000
MAX_SIGNUP_EVENTS = 20000
# One new customer in this many came in through the CRM (web forms, sales); the rest signed
# up in the app and reached the CRM by import, without a webhook.
CRM_SIGNUP_EVERY = 6
SURVEY_RESPONSES = 300
# How long the worker took to process an event.
LAG = timedelta(seconds=2)


def load(*, now, rng, users, teams) -> None:
    admin = users["maya"]
    for team in teams.values():
        Channel.objects.get_or_create(
            team=team, kind=Channel.Kind.INBOX, defaults={"name": "In-app inbox"}
        )
        Channel.objects.get_or_create(
            team=team, kind=Channel.Kind.EMAIL, defaults={"name": f"{team.name} email"}
        )
    integrations = {
        "onfleet": Integration.objects.get_or_create(
            name="Onfleet (demo)",
            kind="onfleet",
            defaults={"secret": "ab" * 32, "created_by": admin},
        )[0],
        "hubspot": Integration.objects.get_or_create(
            name="HubSpot (demo)",
            kind="hubspot",
            defaults={"secret": "demo-client-secret", "created_by": admin},
        )[0],
        "typeform": Integration.objects.get_or_create(
            name="Typeform (demo)",
            kind="typeform",
            defaults={"secret": "demo-typeform-secret", "created_by": admin},
        )[0],
    }
    start = datetime.combine(now.date() - timedelta(days=DAYS), time(0), tzinfo=UTC)
    rules = {}
    for key in services.TEMPLATES:
        rule = services.rule_from_template(actor=admin, key=key)
        if key in ENABLED:
            rule = services.rule_set_enabled(actor=admin, rule=rule, enabled=True)
        rules[key] = rule
    ids = [r.pk for r in rules.values()]
    # The rules were in place before the history begins.
    Rule.objects.filter(pk__in=ids).update(owner=admin, created_at=start - timedelta(days=1))
    RuleVersion.objects.filter(rule_id__in=ids).update(changed_at=start - timedelta(days=1))

    # One transaction: on the embedded SQLite each commit is a disk sync.
    with transaction.atomic():
        events = _events(now, rng, start, integrations)
        _evaluate(now, rng, [rules[k] for k in ENABLED], events, teams)
        _driver_events(now, integrations["onfleet"])
    for integration in integrations.values():
        last = Event.objects.filter(integration_id=integration.pk).aggregate(at=Max("received_at"))
        Integration.objects.filter(pk=integration.pk).update(last_event_at=last["at"])


# --- Events, as the providers and the app send them ---------------------------------------


def _event(source, type_, external_id, payload, at, subject, integration=None) -> Event:
    return Event(
        source=source,
        type=type_,
        external_id=external_id,
        payload=payload,
        occurred_at=at,
        received_at=at,
        claimed_at=at,
        processed_at=at + LAG,
        status=Event.Status.PROCESSED,
        attempts=1,
        integration_id=integration.pk if integration else None,
        subject=subject,
    )


def _events(now, rng, start, integrations) -> list[Event]:
    rows = [
        *_dispatch_events(now, start, integrations["onfleet"]),
        *_signup_events(start, integrations["hubspot"]),
        *_survey_events(now, rng, start, integrations["typeform"]),
        *_business_events(now),
    ]
    rows.sort(key=lambda e: e.received_at)
    return Event.objects.bulk_create(rows, batch_size=2000)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _dispatch_events(now, start, onfleet) -> list[Event]:
    completed = Delivery.objects.filter(
        dispatch_id__startswith=DEMO_PREFIX, completed_at__gte=start, completed_at__lte=now
    )
    failed_status = Delivery.Status.FAILED
    # Every step-th delivery by id, and the failed ones (every failed_step-th of them): the
    # sample is chosen in the database, the rest never reaches Python.
    step = max(1, -(-completed.count() // MAX_DISPATCH_EVENTS))
    failed_step = max(1, -(-completed.filter(status=failed_status).count() // MAX_FAILED_EVENTS))
    deliveries = (
        completed.alias(nth=F("id") % step, nth_failed=F("id") % failed_step)
        .filter(Q(nth=0) | Q(status=failed_status, nth_failed=0))
        .order_by("completed_at")
        .values_list(
            "dispatch_id",
            "status",
            "completed_at",
            "window_start",
            "window_end",
            "failure_reason",
            "customer__name",
            "customer__phone",
            "zone__dispatch_team_id",
        )
    )
    rows = []
    for dispatch_id, status, done, w_start, w_end, reason, name, phone, team in deliveries.iterator(
        chunk_size=5000
    ):
        failed = status == Delivery.Status.FAILED
        trigger = "taskFailed" if failed else "taskCompleted"
        ms = _ms(done)
        payload = {
            "taskId": dispatch_id,
            "time": ms,
            "triggerName": trigger,
            "triggerId": 4 if failed else 3,
            "data": {
                "task": {
                    "id": dispatch_id,
                    "state": 3,
                    "completeAfter": _ms(w_start),
                    "completeBefore": _ms(w_end),
                    "container": {"type": "TEAM", "team": team or ""},
                    "completionDetails": {
                        "success": not failed,
                        "time": ms,
                        "failureReason": "NOT_AVAILABLE" if failed else "NONE",
                        "failureNotes": reason,
                    },
                    "recipients": [{"name": name or "", "phone": phone or ""}],
                }
            },
        }
        rows.append(
            _event(
                "onfleet",
                f"onfleet.{trigger}",
                f"{trigger}:{dispatch_id}:{ms}",
                payload,
                done,
                f"task:{dispatch_id}",
                onfleet,
            )
        )
    return rows


# SwiftDrop's couriers as Onfleet knows them: (name, zone). Their email is in the worker's
# metadata, as SwiftDrop's dispatchers keep it.
DRIVERS = [
    ("Marco Silva", "downtown"),
    ("Grace Okafor", "downtown"),
    ("Lukas Brandt", "downtown"),
    ("Hana Sato", "downtown"),
    ("Diego Alvarez", "riverside"),
    ("Fatima Zahra", "riverside"),
    ("Peter Novak", "riverside"),
    ("Chloe Martin", "riverside"),
    ("Samuel Mensah", "northgate"),
    ("Ines Duarte", "northgate"),
    ("Yusuf Kaya", "northgate"),
    ("Olivia Brooks", "northgate"),
]


def _driver_events(now, onfleet) -> None:
    """This morning's Onfleet ``workerDuty`` events (drivers going on duty), recorded through
    the real event path: processing them makes the hub's driver records."""
    for n, (name, zone) in enumerate(DRIVERS, start=1):
        worker_id = f"{DEMO_PREFIX}wkr{n:02d}"
        at = now.replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(minutes=4 * n)
        if at > now:
            at -= timedelta(days=1)
        ms = _ms(at)
        first = name.split()[0].lower()
        payload = {
            "actionContext": {"type": "WORKER", "id": worker_id},
            "adminId": None,
            "workerId": worker_id,
            "status": 1,
            "data": {
                "worker": {
                    "id": worker_id,
                    "name": name,
                    "phone": f"+1415555{n:04d}",
                    "onDuty": True,
                    "teams": [],
                    "metadata": [
                        {
                            "name": "email",
                            "type": "string",
                            "value": f"{first}.driver@{DEMO_DOMAIN}",
                        },
                        {"name": "zone", "type": "string", "value": zone},
                    ],
                }
            },
            "time": ms,
            "triggerId": 5,
            "triggerName": "workerDuty",
        }
        hub_events.record(
            "onfleet",
            "onfleet.workerDuty",
            f"workerDuty:{worker_id}:{ms}",
            payload,
            occurred_at=at,
            integration_id=onfleet.pk,
            subject=f"worker:{worker_id}",
        )


def _signup_events(start, hubspot) -> list[Event]:
    rows = []
    new = Customer.objects.filter(crm_id__startswith=DEMO_PREFIX, first_seen_at__gte=start)

    def every_nth(n: int):
        return new.alias(nth=F("pk") % n).filter(nth=0)

    every = CRM_SIGNUP_EVERY
    every *= max(1, -(-every_nth(every).count() // MAX_SIGNUP_EVENTS))
    customers = every_nth(every).values_list("pk", "crm_id", "first_seen_at")
    for pk, crm_id, seen in customers.iterator(chunk_size=5000):
        ms = _ms(seen)
        item = {
            "eventId": pk,
            "subscriptionId": 25,
            "portalId": 33,
            "appId": 1160452,
            "occurredAt": ms,
            "subscriptionType": "contact.creation",
            "attemptNumber": 0,
            "objectId": crm_id,
            "changeFlag": "CREATED",
            "changeSource": "FORM",
        }
        rows.append(
            _event(
                "hubspot",
                "hubspot.contact.creation",
                f"33:25:{pk}:{crm_id}:{ms}:",
                item,
                seen,
                f"contact:{crm_id}",
                hubspot,
            )
        )
    return rows


def _survey_events(now, rng, start, typeform) -> list[Event]:
    emails = list(
        Customer.objects.filter(crm_id__startswith=DEMO_PREFIX)
        .order_by("pk")
        .values_list("email", flat=True)[:2000]
    )
    rows = []
    span = int((now - start).total_seconds() // 60)
    for n in range(SURVEY_RESPONSES if emails else 0):
        at = start + timedelta(minutes=rng.randrange(span))
        # Scores improved as the teams worked together.
        late = (at - start) / (now - start)
        score = rng.choices([1, 2, 3, 4, 5], weights=[5 - 3 * late, 7 - 3 * late, 15, 40, 35])[0]
        payload = {
            "event_id": f"{DEMO_PREFIX}tf-{n}",
            "event_type": "form_response",
            "form_response": {
                "form_id": "csat01",
                "token": f"{DEMO_PREFIX}token-{n}",
                "submitted_at": at.isoformat().replace("+00:00", "Z"),
                "hidden": {"customer_email": rng.choice(emails)},
                "definition": {"id": "csat01", "title": "How was your delivery?"},
                "answers": [
                    {
                        "type": "number",
                        "number": score,
                        "field": {"id": "q1", "type": "opinion_scale", "ref": "csat"},
                    }
                ],
            },
        }
        rows.append(
            _event(
                "typeform",
                "typeform.form_response",
                f"{DEMO_PREFIX}tf-{n}",
                payload,
                at,
                "form:csat01",
                typeform,
            )
        )
    return rows


def _hub_event(kind: str, subject: str, payload: dict, at: datetime) -> Event:
    # The same shape as hub.business records: "<subject>:<kind>:<microseconds>".
    return _event(
        "hub",
        f"hub.{kind}",
        f"{subject}:{kind}:{int(at.timestamp() * 1_000_000)}",
        payload,
        at,
        subject,
    )


def _business_events(now) -> list[Event]:
    rows = []
    campaigns = (
        Campaign.objects.filter(external_id__startswith=DEMO_PREFIX)
        .select_related("owner_team")
        .prefetch_related("zones")
    )
    for campaign in campaigns:
        launch = datetime.combine(campaign.starts_on, time(9), tzinfo=UTC)
        payload = business.campaign_payload(campaign)
        steps = [
            ("campaign.created", launch - timedelta(days=14), Campaign.Status.DRAFT),
            ("campaign.scheduled", launch - timedelta(days=7, hours=-2), "scheduled"),
            ("campaign.launched", launch, "live"),
        ]
        if campaign.status == Campaign.Status.ENDED:
            steps.append(
                (
                    "campaign.ended",
                    datetime.combine(campaign.ends_on, time(18), tzinfo=UTC),
                    "ended",
                )
            )
        subject = f"campaign:{campaign.pk}"
        for kind, at, status in steps:
            if at <= now:
                rows.append(_hub_event(kind, subject, {**payload, "status": status}, at))
    for promo in PromoCode.objects.filter(
        campaign__external_id__startswith=DEMO_PREFIX
    ).select_related("campaign"):
        at = datetime.combine(promo.campaign.starts_on, time(11), tzinfo=UTC) - timedelta(days=5)
        payload = business.promo_payload(promo)
        del payload["active"]
        rows.append(_hub_event("promo_code.created", f"promo_code:{promo.pk}", payload, at))
    for incident in Incident.objects.filter(title__startswith="[demo]").select_related(
        "zone", "team"
    ):
        payload = {
            "incident_id": incident.pk,
            "kind": incident.kind,
            "title": incident.title,
            "campaign_id": incident.campaign_id,
            "zone": incident.zone.code if incident.zone else "",
            "team": incident.team.name if incident.team else "",
            "communication_error": incident.communication_error,
        }
        rows.append(
            _hub_event("incident.created", f"incident:{incident.pk}", payload, incident.occurred_at)
        )
    return rows


# --- What the enabled rules made of them ----------------------------------------------------


def _evaluate(now, rng, rules: list[Rule], events: list[Event], teams) -> None:
    """Run the enabled rules over the events as the worker did, event by event in order."""
    by_trigger: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        by_trigger[rule.trigger].append(rule)
    rule_teams = {rule.pk: list(rule.teams.all()) for rule in rules}
    uses_previous = {rule.pk: rule_engine.compares_with_previous(rule.conditions) for rule in rules}
    members: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in Membership.objects.values_list("team_id", "user_id"):
        members[team_id].append(user_id)
    facts = _Facts([e for e in events if e.type in by_trigger])
    last_key_at: dict[tuple[int, str], datetime] = {}
    evaluations, handoffs = [], []
    for event in events:
        matching = by_trigger.get(event.type)
        if not matching:
            continue
        at = event.processed_at
        ctx = rule_context.context_with_facts(event, at, *facts.of(event))
        for rule in matching:
            previous = rule_context.previous_context(event) if uses_previous[rule.pk] else None
            decision = rule_engine.evaluate(rule.conditions or {}, ctx, previous)
            outcome, made = "no match", 0
            if decision.matched:
                key = rule_engine.render(rule.dedupe_key, ctx) if rule.dedupe_key else ""
                window = timedelta(minutes=rule.dedupe_minutes or 0)
                if (
                    key
                    and (rule.pk, key) in last_key_at
                    and at - last_key_at[(rule.pk, key)] < (window)
                ):
                    outcome = f"matched; folded into an earlier handoff (dedupe key {key})"
                else:
                    if key:
                        last_key_at[(rule.pk, key)] = at
                    for team in rule_teams[rule.pk]:
                        handoffs.append(
                            Handoff(
                                rule=rule,
                                rule_version=rule.version,
                                event=event,
                                team=team,
                                title=(rule_engine.render(rule.title_template, ctx) or rule.name)[
                                    :300
                                ],
                                body=rule_engine.render(rule.message_template, ctx),
                                link=reverse("handoffs:explain") + f"?event={event.pk}",
                                requires_ack=rule.requires_ack,
                                due_at=at + timedelta(minutes=rule.sla_minutes)
                                if rule.requires_ack and rule.sla_minutes
                                else None,
                                dedupe_key=key[:200],
                                created_at=at,
                            )
                        )
                        made += 1
                    outcome = f"matched; {made} handoff{'s' if made != 1 else ''} created"
            evaluations.append(
                RuleEvaluation(
                    rule=rule,
                    rule_version=rule.version,
                    event=event,
                    matched=decision.matched,
                    details=[r.as_dict() for r in decision.results],
                    outcome=outcome,
                    at=at,
                )
            )
    _answer(now, rng, handoffs, members)
    RuleEvaluation.objects.bulk_create(evaluations, batch_size=2000)
    Handoff.objects.bulk_create(handoffs, batch_size=2000)


class _Facts:
    """The customers, deliveries and campaigns the rules' events are about, loaded in a few
    queries and found the way ``context.event_context`` finds them one event at a time."""

    def __init__(self, events: list[Event]) -> None:
        # Only the event types the demo's enabled rules follow: onfleet tasks, HubSpot
        # contacts, and hub/typeform events with top-level ids.
        tasks = {e.payload.get("taskId") for e in events if e.source == "onfleet"}
        contacts = {str(e.payload.get("objectId")) for e in events if e.source == "hubspot"}
        emails, campaign_ids = set(), set()
        for e in events:
            if e.source in ("onfleet", "hubspot"):
                continue
            if e.payload.get("customer_email"):
                emails.add(str(e.payload["customer_email"]).strip().lower())
            if e.payload.get("campaign_id"):
                campaign_ids.add(e.payload["campaign_id"])
        self.deliveries = {
            d.dispatch_id: d
            for d in Delivery.objects.select_related(
                "zone", "customer__zone", "customer__promo_code", "promo_code"
            ).filter(dispatch_id__in=tasks)
        }
        customers = Customer.objects.select_related("zone", "promo_code")
        self.by_crm = {c.crm_id: c for c in customers.filter(crm_id__in=contacts)}
        self.by_email = {c.email: c for c in customers.filter(email__in=emails)}
        customer_campaigns = {
            c.acquisition_campaign_id
            for c in [*self.by_crm.values(), *self.by_email.values()]
            if c.acquisition_campaign_id
        } | {d.customer.acquisition_campaign_id for d in self.deliveries.values() if d.customer}
        self.campaigns = {
            c.pk: c
            for c in Campaign.objects.prefetch_related("zones").filter(
                pk__in=campaign_ids | {pk for pk in customer_campaigns if pk}
            )
        }

    def of(self, event: Event) -> tuple:
        payload = event.payload
        customer = delivery = campaign = None
        if event.source == "onfleet":
            delivery = self.deliveries.get(payload.get("taskId"))
            customer = delivery.customer if delivery else None
        elif event.source == "hubspot":
            customer = self.by_crm.get(str(payload.get("objectId")))
        else:
            if payload.get("customer_email"):
                customer = self.by_email.get(str(payload["customer_email"]).strip().lower())
            if payload.get("campaign_id"):
                campaign = self.campaigns.get(payload["campaign_id"])
        if campaign is None and customer is not None and customer.acquisition_campaign_id:
            campaign = self.campaigns.get(customer.acquisition_campaign_id)
        return customer, delivery, campaign


def _answer(now, rng, handoffs: list[Handoff], members: dict[int, list[int]]) -> None:
    """How the teams answered: a few misses a month (fewer each month), acknowledgements that
    got faster, and the last few hours' handoffs still open."""
    windows: dict[int, list[Handoff]] = defaultdict(list)
    for handoff in handoffs:
        age = (now - handoff.created_at).days
        windows[min(2, max(0, 2 - age // 30))].append(handoff)
    for window, group in windows.items():
        answerable = [h for h in group if h.due_at and h.due_at < now]
        missed = {id(h) for h in rng.sample(answerable, min(MISSED[window], len(answerable)))}
        for handoff in group:
            if not handoff.requires_ack:
                handoff.status = Handoff.Status.DONE
            elif id(handoff) in missed:
                handoff.status = Handoff.Status.MISSED
                handoff.missed_at = handoff.due_at
            elif handoff.due_at and handoff.due_at > now and rng.random() < 0.6:
                handoff.status = Handoff.Status.OPEN
            else:
                sla = (handoff.due_at - handoff.created_at).total_seconds() / 60
                minutes = rng.uniform(3, max(4, sla * (0.6 - 0.15 * window)))
                acked = handoff.created_at + timedelta(minutes=minutes)
                if acked > now:
                    handoff.status = Handoff.Status.OPEN
                    continue
                handoff.status = Handoff.Status.ACKNOWLEDGED
                handoff.acknowledged_at = acked
                people = members.get(handoff.team_id) or [None]
                handoff.acknowledged_by_id = rng.choice(people)
                handoff.acknowledged_via = rng.choice(["app", "app", "email"])


def reset(*, domain: str) -> None:
    demo_rules = Rule.objects.filter(owner__email__endswith=f"@{domain}")
    Handoff.objects.filter(rule__in=demo_rules).delete()
    demo_rules.delete()
    demo_integrations = Integration.objects.filter(name__endswith="(demo)")
    Event.objects.filter(
        integration_id__in=list(demo_integrations.values_list("pk", flat=True))
    ).delete()
    demo_integrations.delete()
    subjects: list[str] = []
    for kind, model, field in (
        ("campaign", Campaign, "external_id__startswith"),
        ("promo_code", PromoCode, "campaign__external_id__startswith"),
    ):
        ids = model.objects.filter(**{field: DEMO_PREFIX}).values_list("pk", flat=True)
        subjects += [f"{kind}:{pk}" for pk in ids]
    incidents = Incident.objects.filter(title__startswith="[demo]").values_list("pk", flat=True)
    subjects += [f"incident:{pk}" for pk in incidents]
    Event.objects.filter(source="hub", subject__in=subjects).delete()
