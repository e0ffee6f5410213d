from datetime import timedelta

from django.utils import timezone

from handoffs import selectors, services
from handoffs.models import Handoff


def test_handoff_figures_by_rule_counts_acks_and_misses(admin_user, ops, marketing):
    rule = services.rule_save(
        actor=admin_user,
        data=services.RuleInput(
            name="r", trigger="generic.x", teams=[ops], owner_team=marketing, title_template="x"
        ),
    )
    now = timezone.now()
    start = now - timedelta(days=7)
    for minutes in (10, 20, 60):
        Handoff.objects.create(
            rule=rule,
            team=ops,
            title="h",
            created_at=now - timedelta(days=1),
            acknowledged_at=now - timedelta(days=1) + timedelta(minutes=minutes),
            status="acknowledged",
        )
    Handoff.objects.create(
        rule=rule,
        team=ops,
        title="m",
        created_at=now - timedelta(days=2),
        missed_at=now,
        status="missed",
    )
    Handoff.objects.create(rule=rule, team=ops, title="old", created_at=now - timedelta(days=30))
    figures = selectors.handoff_figures_by_rule([rule.pk], start, now)[rule.pk]
    assert figures.created == 4
    assert sorted(round(m) for m in figures.ack_minutes) == [10, 20, 60]
    assert figures.missed == 1
    assert selectors.handoff_figures_by_rule([], start, now) == {}
