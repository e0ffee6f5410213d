"""SwiftDrop's feedback: the four ready-made surveys, the rules that close the loop, and a year
of believable answers — customer CSAT after deliveries, monthly NPS, driver feedback and a staff
pulse on cross-team communication that climbs since SwiftDrop adopted Crossdock (90 days ago).

Written through feedback's services; past responses are recorded in the event log as processed
(history, not alerts), the last few go through ``events.record`` like any new answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from feedback import services
from feedback.models import Invitation, OptOut, Response, Survey, Theme
from hub import events
from hub.demo import DEMO_PREFIX
from hub.models import Delivery, Event, Membership, Zone

MONTHS = 12
ADOPTED_DAYS_AGO = 90
LIVE_EVENTS = 3

# (score range, theme or "", comment)
CUSTOMER_COMMENTS = [
    ((1, 2), "Late delivery", "Arrived two hours after the window. Nobody told me."),
    ((1, 2), "Late delivery", "Waited all evening; the tracking page said 'out for delivery'."),
    ((1, 2), "Driver conduct", "The driver left the parcel in the rain at the gate."),
    ((1, 3), "Promo confusion", "The promo code from the ad did not work at checkout."),
    ((1, 3), "Promo confusion", "I was charged full price although the email promised 20% off."),
    ((2, 3), "Damaged item", "Box was crushed, the contents were fine this time."),
    ((3, 3), "Late delivery", "A bit late but the driver called ahead."),
    ((4, 5), "", "Quick and friendly, thanks!"),
    ((4, 5), "", "Right on time, as always."),
    ((5, 5), "Driver conduct", "Lovely driver, carried it up three floors."),
    ((4, 5), "", "Tracking was spot on."),
]
NPS_REASONS = [
    ((9, 10), "Fast, and I always know when it arrives."),
    ((9, 10), "Best delivery service in the area."),
    ((7, 8), "Good, but the delivery windows are wide."),
    ((0, 6), "Too many late deliveries in Northgate."),
    ((0, 6), "The promo confusion put me off."),
]
DRIVER_COMMENTS = [
    ("Promo confusion", "Customers ask about discounts we never heard of."),
    ("Wrong addresses", "Northgate addresses are often missing the flat number."),
    ("", "Routes were fine this month."),
    ("App issues", "The app logs out in the middle of a route."),
    ("", "Dispatch answered quickly when I was stuck."),
]
PULSE_HELPED = [
    "Ops told us about the Northgate capacity before the campaign went out.",
    "Support flagged the promo issue within an hour.",
    "The standup caught the address problem early.",
    "Marketing shared the campaign calendar with everyone.",
]
PULSE_LOST = [
    "We heard about the promo from customers first.",
    "Nobody knew who owned the address fixes.",
    "Campaign dates changed and ops found out late.",
]


def _pulse_mean(months_ago: int) -> float:
    """2.8 before Crossdock, then climbing towards 4 over the three months since."""
    if months_ago >= 3:
        return 2.8 + (0.05 if months_ago % 2 else -0.05)
    return {2: 3.2, 1: 3.6, 0: 3.9}[months_ago]


def _month_start(now: datetime, months_ago: int) -> datetime:
    first = now.replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    for _ in range(months_ago):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _scale(rng, mean: float, low: int = 1, high: int = 5) -> int:
    return max(low, min(high, round(rng.gauss(mean, 0.9))))


def load(*, now, rng, users, teams) -> None:
    manager = users.get("priya") or next(iter(users.values()))
    admin = users.get("maya") or manager
    csat = _open(manager, "post_delivery_csat")
    nps = _open(manager, "customer_nps")
    drivers = _open(manager, "driver_monthly")
    pulse = _open(manager, "staff_pulse")
    Survey.objects.filter(pk=csat.pk).update(typeform_form_id="csat01")
    # The driver survey goes to every active driver: the hub's drivers, learned from Onfleet.
    services.rule_survey_after_delivery(actor=admin, survey=csat, enable=True)
    services.rule_low_score_to_support(actor=admin, enable=True)

    stored: list[Response] = []
    stored += _customer_csat(rng, now, csat)
    stored += _nps(rng, now, nps)
    stored += _drivers(rng, now, drivers)
    stored += _pulse(rng, now, pulse, users)
    _themes(stored, users)
    _events(stored, now)


def _open(actor, key: str) -> Survey:
    survey = services.survey_from_template(actor=actor, key=key)
    return services.survey_set_status(actor=actor, survey=survey, status=Survey.Status.ACTIVE)


def _questions(survey: Survey) -> list:
    return list(survey.questions.order_by("position"))


def _comment(rng, pool: list, score: int) -> tuple[str, str] | None:
    fitting = [(theme, text) for (lo, hi), theme, text in pool if lo <= score <= hi]
    return rng.choice(fitting) if fitting else None


def _customer_csat(rng, now: datetime, survey: Survey) -> list[Response]:
    """Since adoption: invitations after about one delivery in twelve, a third answered. Before:
    the Typeform history SwiftDrop imported."""
    q_score, q_why, q_text = _questions(survey)
    deliveries = (
        Delivery.objects.filter(
            dispatch_id__startswith=DEMO_PREFIX,
            status=Delivery.Status.SUCCEEDED,
            completed_at__lt=now - timedelta(hours=2),
        )
        .exclude(customer=None)
        .exclude(customer__email="")
    )
    # The same draw as sampling the list of them in id order, without reading millions of
    # deliveries: only the sampled positions are fetched.
    total = deliveries.count()
    positions = rng.sample(range(total), min(total // 12, 2500))
    # Numbering narrow rows (ids only) first: a window over the joined rows sorts them all.
    id_at = dict(
        deliveries.annotate(position=Window(RowNumber(), order_by=F("id").asc()))
        .filter(position__in=[p + 1 for p in positions])
        .values_list("position", "id")
    )
    by_id = Delivery.objects.select_related("customer", "zone", "customer__zone").in_bulk(
        list(id_at.values())
    )
    sample = [by_id[id_at[p + 1]] for p in positions]
    items: list[services.HistoryItem] = []
    seen: set[int] = set()
    invitations: list[Invitation] = []
    for delivery in sorted(sample, key=lambda d: d.completed_at):
        customer = delivery.customer
        if customer.pk in seen:  # one survey per customer per 30 days, roughly
            continue
        seen.add(customer.pk)
        sent = delivery.completed_at + timedelta(minutes=10)
        invitation = Invitation(
            survey=survey,
            token=f"demo{delivery.pk:x}{rng.getrandbits(64):x}",
            email=customer.email,
            round=f"delivery:{delivery.dispatch_id}",
            source=Invitation.Source.RULE,
            customer=customer,
            delivery=delivery,
            created_at=sent,
            sent_at=sent,
            expires_at=sent + timedelta(days=14),
            reminders_sent=rng.choice([0, 1, 1, 2]),
        )
        invitations.append(invitation)
    Invitation.objects.bulk_create(invitations, batch_size=1000)
    for invitation in invitations:
        if rng.random() > 0.34:
            continue
        delivery = invitation.delivery
        mean = 4.3 if delivery.on_time else 2.6
        if delivery.zone and delivery.zone.code == "northgate":
            mean -= 0.4
        if delivery.promo_code_id or invitation.customer.promo_code_id:
            mean -= 0.3
        score = _scale(rng, mean)
        values: dict[int, Any] = {q_score.pk: score}
        if score <= 3 and rng.random() < 0.7:
            values[q_why.pk] = rng.choice(q_why.choices)
        comment = _comment(rng, CUSTOMER_COMMENTS, score) if rng.random() < 0.45 else None
        if comment:
            values[q_text.pk] = comment[1]
        at = invitation.sent_at + timedelta(hours=rng.uniform(0.2, 30))
        if at >= now:
            continue
        items.append(
            services.HistoryItem(
                values=values,
                at=at,
                facts=services.Facts(delivery=delivery),
                source=Response.Source.LINK,
                invitation=invitation,
            )
        )
    zones = list(Zone.objects.order_by("id"))
    adopted = now - timedelta(days=ADOPTED_DAYS_AGO)
    for months_ago in range(3, MONTHS):
        start = _month_start(now, months_ago)
        for _ in range(rng.randint(45, 70)):
            at = start + timedelta(minutes=rng.randrange(28 * 24 * 60))
            if at >= adopted:
                continue
            score = _scale(rng, 3.7)
            values = {q_score.pk: score}
            comment = _comment(rng, CUSTOMER_COMMENTS, score) if rng.random() < 0.3 else None
            if comment:
                values[q_text.pk] = comment[1]
            items.append(
                services.HistoryItem(
                    values=values,
                    at=at,
                    facts=services.Facts(zone=rng.choice(zones) if zones else None),
                )
            )
    return services.responses_load_history(survey=survey, items=items)


def _nps(rng, now: datetime, survey: Survey) -> list[Response]:
    q_score, q_reason = _questions(survey)
    items = []
    for months_ago in range(MONTHS):
        start = _month_start(now, months_ago)
        lift = 0.6 if months_ago < 3 else 0.0
        for _ in range(rng.randint(25, 40)):
            at = start + timedelta(minutes=rng.randrange(6 * 24 * 60))
            if at >= now:
                continue
            score = max(0, min(10, round(rng.gauss(7.6 + lift, 2.0))))
            values: dict[int, Any] = {q_score.pk: score}
            if rng.random() < 0.4:
                reasons = [t for (lo, hi), t in NPS_REASONS if lo <= score <= hi]
                if reasons:
                    values[q_reason.pk] = rng.choice(reasons)
            items.append(services.HistoryItem(values=values, at=at, source=Response.Source.LINK))
    return services.responses_load_history(survey=survey, items=items)


def _drivers(rng, now: datetime, survey: Survey) -> list[Response]:
    q_routes, q_slow, q_text = _questions(survey)
    items = []
    for months_ago in range(MONTHS):
        start = _month_start(now, months_ago)
        for _ in range(rng.randint(7, 11)):
            at = start + timedelta(days=rng.randrange(5))
            if at >= now:
                continue
            values: dict[int, Any] = {
                q_routes.pk: _scale(rng, 3.4 + (0.3 if months_ago < 3 else 0))
            }
            values[q_slow.pk] = rng.sample(q_slow.choices, rng.randint(1, 2))
            if rng.random() < 0.5:
                values[q_text.pk] = rng.choice(DRIVER_COMMENTS)[1]
            items.append(services.HistoryItem(values=values, at=at, source=Response.Source.LINK))
    return services.responses_load_history(survey=survey, items=items)


def _pulse(rng, now: datetime, survey: Survey, users: dict) -> list[Response]:
    q_score, q_helped, q_lost = _questions(survey)
    team_of = {
        m.user_id: m.team
        for m in Membership.objects.filter(user__in=list(users.values())).select_related("team")
    }
    items = []
    for months_ago in range(MONTHS):
        start = _month_start(now, months_ago)
        for user in users.values():
            if rng.random() < 0.2:  # not everyone answers every month
                continue
            at = start + timedelta(days=rng.randrange(6))
            if at >= now:
                continue
            values: dict[int, Any] = {q_score.pk: _scale(rng, _pulse_mean(months_ago))}
            if rng.random() < 0.4:
                values[q_helped.pk] = rng.choice(PULSE_HELPED)
            if rng.random() < 0.3:
                values[q_lost.pk] = rng.choice(PULSE_LOST)
            items.append(
                services.HistoryItem(
                    values=values,
                    at=at,
                    facts=services.Facts(team=team_of.get(user.pk)),
                    source=Response.Source.LINK,
                )
            )
    return services.responses_load_history(survey=survey, items=items)


def _themes(stored: list[Response], users: dict) -> None:
    """Customer support and operations tagged the comments as they read them."""
    taggers = [u for key in ("carmen", "tom", "jonas") if (u := users.get(key))]
    if not taggers:
        return
    themes_by_text = {text: theme for _, theme, text in CUSTOMER_COMMENTS if theme}
    themes_by_text.update({text: theme for theme, text in DRIVER_COMMENTS if theme})
    names = sorted(set(themes_by_text.values()))
    theme_rows = {name: Theme.objects.get_or_create(name=name)[0] for name in names}
    through = Theme.answers.through
    links = []
    from feedback.models import Answer

    for answer in Answer.objects.filter(
        response__in=stored, question__kind__in=["short", "long"]
    ).only("id", "text"):
        name = themes_by_text.get(answer.text)
        if name:
            links.append(through(answer_id=answer.pk, theme_id=theme_rows[name].pk))
    through.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)


def _events(stored: list[Response], now: datetime) -> None:
    """The event log shows every answer; the last few go through the real event path."""
    ordered = sorted(stored, key=lambda r: r.submitted_at)
    history, live = ordered[:-LIVE_EVENTS], ordered[-LIVE_EVENTS:]
    by_pk = {
        r.pk: r
        for r in Response.objects.filter(pk__in=[r.pk for r in ordered]).select_related(
            "survey", "zone", "team", "delivery"
        )
    }
    rows = [
        Event(
            source="feedback",
            type=services.EVENT_RECEIVED,
            external_id=f"response:{r.pk}",
            payload=services.response_event_payload(by_pk[r.pk]),
            occurred_at=r.submitted_at,
            received_at=r.submitted_at,
            processed_at=r.submitted_at,
            status=Event.Status.PROCESSED,
            attempts=1,
            subject=f"survey:{r.survey_id}",
        )
        for r in history
    ]
    Event.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    for r in live:
        events.record(
            "feedback",
            services.EVENT_RECEIVED,
            f"response:{r.pk}",
            services.response_event_payload(by_pk[r.pk]),
            occurred_at=r.submitted_at,
            subject=f"survey:{r.survey_id}",
        )


def reset(*, domain: str) -> None:
    surveys = Survey.objects.filter(created_by__email__endswith=f"@{domain}")
    response_ids = list(Response.objects.filter(survey__in=surveys).values_list("pk", flat=True))
    Event.objects.filter(
        source="feedback", external_id__in=[f"response:{pk}" for pk in response_ids]
    ).delete()
    surveys.delete()
    Theme.objects.filter(answers__isnull=True).delete()
    OptOut.objects.filter(email__endswith=f"@{domain}").delete()
