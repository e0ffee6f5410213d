"""SwiftDrop's handoff content: channels, the ready-made rules, integrations, 90 days of history."""

from __future__ import annotations

from datetime import timedelta

from handoffs import rulebook
from handoffs.models import Channel, Handoff, Integration, Rule

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
    for key in rulebook.TEMPLATES:
        rule = rulebook.rule_from_template(actor=admin, key=key)
        if key in ENABLED:
            rule = rulebook.rule_set_enabled(actor=admin, rule=rule, enabled=True)
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


def reset(*, domain: str) -> None:
    demo_rules = Rule.objects.filter(owner__email__endswith=f"@{domain}")
    Handoff.objects.filter(rule__in=demo_rules).delete()
    demo_rules.delete()
    Integration.objects.filter(name__endswith="(demo)").delete()
