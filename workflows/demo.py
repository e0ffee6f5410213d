"""SwiftDrop's workflow map (lead generation to campaign refinement) and its promo-code pilot."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from workflows.models import Pilot, Transition, WorkflowMap

MAP_NAME = "SwiftDrop: lead to feedback"

# (key, lane, name)
STEPS = [
    ("lead", "Marketing", "Lead generation"),
    ("promo", "Marketing", "Promo code created"),
    ("signup", "Tech", "Signup (CRM sync)"),
    ("order", "Operations", "First order"),
    ("dispatch", "Operations", "Dispatch"),
    ("delivery", "Operations", "Delivery"),
    ("feedback", "Customer Support", "Feedback"),
    ("refine", "Marketing", "Campaign refinement"),
]
# (from, to, label, rule template that automates it)
TRANSITIONS = [
    ("lead", "promo", "offer", None),
    ("lead", "signup", "lead signs up", None),
    ("promo", "dispatch", "code announced", "promo_code_created"),
    ("signup", "order", "new signup", "new_signup"),
    ("order", "dispatch", "", None),
    ("dispatch", "delivery", "", None),
    ("delivery", "feedback", "failed or rated", "failed_first_delivery"),
    ("feedback", "refine", "what customers say", None),
    ("refine", "lead", "next campaign", None),
]


def load(*, now, rng, users, teams) -> None:
    """The map, its friction points and the finished, adopted promo-code pilot."""
    # Imported here, not when the app is ready: a worker should not load the KPI and
    # handoff service modules at start-up just to register the demo.
    from handoffs import selectors as handoff_selectors
    from workflows import services

    if WorkflowMap.objects.filter(name=MAP_NAME).exists():
        return
    omar, priya, carmen = users["omar"], users["priya"], users["carmen"]
    map_ = services.map_create(
        actor=omar,
        name=MAP_NAME,
        description="How a lead becomes a customer, gets deliveries and shapes the next campaign.",
        teams=[teams[name] for name in ("Marketing", "Tech", "Operations", "Customer Support")],
    )
    lanes = {lane.team.name: lane for lane in map_.lanes.select_related("team")}
    steps = {
        key: services.step_add(actor=omar, map=map_, lane=lanes[lane], name=name)
        for key, lane, name in STEPS
    }
    points: dict[tuple[str, str], Transition] = {}
    for a, b, label, template in TRANSITIONS:
        t = services.transition_add(
            actor=omar, map=map_, source=steps[a], target=steps[b], label=label
        )
        points[(a, b)] = t
        rule = handoff_selectors.rule_by_template(template) if template else None
        if rule is not None:
            services.transition_link_rule(actor=omar, transition=t, rule=rule)
    promo = services.friction_add(
        actor=priya,
        map=map_,
        transition=points[("promo", "dispatch")],
        kind="manual",
        severity=3,
        owner_team=teams["Marketing"],
        notes="Ops learned about new promo codes from customers at the door.",
    )
    voice = services.friction_add(
        actor=carmen,
        map=map_,
        transition=points[("feedback", "refine")],
        kind="missing",
        severity=2,
        owner_team=teams["Customer Support"],
        notes="No structured way to bring what drivers and customers say back to marketing.",
    )
    services.friction_add(
        actor=omar,
        map=map_,
        step=steps["signup"],
        kind="duplicate",
        severity=1,
        owner_team=teams["Tech"],
        notes="Sales re-types new signups into the dispatch tool.",
    )
    services.friction_add(
        actor=omar,
        map=map_,
        step=steps["dispatch"],
        kind="unclear",
        severity=2,
        owner_team=teams["Operations"],
        notes="Who confirms capacity for a campaign's zones?",
    )
    _promo_pilot(now, promo, omar, priya, teams)
    _voice_pilot(now, voice, carmen, teams)


def _promo_pilot(now, friction, omar, priya, teams) -> None:
    from handoffs import selectors as handoff_selectors
    from workflows import selectors, services

    today = timezone.localdate(now)
    starts = today - timedelta(days=30)
    pilot = services.pilot_start(
        actor=priya,
        friction=friction,
        title="Every promo code notifies ops",
        hypothesis=(
            "If ops hears about each new promo code the moment marketing creates it, they "
            "acknowledge promo handoffs faster and stop learning about codes from customers."
        ),
        fix="The rule “Promo code created → notify Ops” on, with a four-hour SLA.",
        fix_rule=handoff_selectors.rule_by_template("promo_code_created"),
        metric="ack_median",
        owner_teams=[teams["Marketing"], teams["Operations"]],
        starts_on=starts,
    )
    result = selectors.pilot_result(pilot, today)
    decided_at = now - timedelta(days=14)
    Pilot.objects.filter(pk=pilot.pk).update(
        status=Pilot.Status.REVIEW, review_scheduled_at=decided_at
    )
    pilot.refresh_from_db()
    decided = services.pilot_decide(
        actor=omar,
        pilot=pilot,
        decision=Pilot.Decision.ADOPT,
        notes="Reviewed with marketing, ops and support in the weekly standup.",
        writeup=(
            "What worked: ops sees every code before the first order uses it.\n"
            "What to repeat: automate the campaign-scheduled capacity check the same way."
        ),
    )
    Pilot.objects.filter(pk=decided.pk).update(
        decided_at=decided_at, result=result.as_json() if result else {}
    )


def _voice_pilot(now, friction, carmen, teams) -> None:
    """A pilot whose two weeks ended two days ago: today's beat run schedules its review, which
    goes on the next weekly standup's agenda and to both owner teams (the real path)."""
    from workflows import services

    today = timezone.localdate(now)
    services.pilot_start(
        actor=carmen,
        friction=friction,
        title="Support's weekly digest of what customers say",
        hypothesis=(
            "If marketing reads a weekly digest of support themes, the next campaign fixes "
            "what customers complain about, and complaints fall."
        ),
        fix="Support sends marketing a themed digest every Monday; marketing answers in the "
        "standup.",
        metric="complaints",
        owner_teams=[teams["Customer Support"], teams["Marketing"]],
        starts_on=today - timedelta(days=16),
    )
    services.pilots_schedule_reviews(now=now)


def reset(*, domain: str) -> None:
    maps = WorkflowMap.objects.filter(name=MAP_NAME)
    Pilot.objects.filter(friction__map__in=maps).delete()
    maps.delete()
