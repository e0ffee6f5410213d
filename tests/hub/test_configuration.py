"""Configuration read by event drains is kept across drains until the database says it
changed (hub/configuration.py): every way of changing it, and nothing else, moves the number."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from handoffs import services
from handoffs.models import Channel, Handoff, Rule
from hub import configuration, events
from hub.models import Membership, Team, User, Zone
from tests.factories import MembershipFactory, TeamFactory, UserFactory


def test_every_configuration_write_moves_the_number_and_nothing_else_does(db, admin_user, ops):
    def moved(change) -> bool:
        before = configuration.generation()
        change()
        return configuration.generation() != before

    channel = Channel.objects.create(
        team=ops, kind="webhook", name="Hook", target="https://x.test/h"
    )
    assert configuration.generation() is not None
    assert moved(lambda: TeamFactory(name="Support"))
    assert moved(lambda: Zone.objects.create(code="n1", name="North"))
    assert moved(lambda: MembershipFactory(user=UserFactory(), team=ops))
    assert moved(lambda: Membership.objects.filter(team=ops).delete())
    assert moved(lambda: User.objects.filter(pk=admin_user.pk).update(is_active=False))
    assert moved(lambda: Channel.objects.filter(pk=channel.pk).update(enabled=False))
    assert moved(lambda: Team.objects.filter(pk=ops.pk).update(description="Dispatch"))
    # Operational stamps on the same tables are not configuration.
    assert not moved(
        lambda: Channel.objects.filter(pk=channel.pk).update(next_send_at=timezone.now())
    )
    assert not moved(
        lambda: User.objects.filter(pk=admin_user.pk).update(last_login=timezone.now())
    )
    # Facts are not configuration either.
    assert not moved(lambda: events.record("generic", "generic.ping", "not-config"))


def _rule(admin_user, ops, name="Every ping") -> Rule:
    rule = services.rule_save(
        actor=admin_user,
        data=services.RuleInput(
            name=name,
            trigger="generic.ping",
            teams=[ops],
            owner_team=ops,
            title_template="{{ event.external_id }}",
            requires_ack=False,
        ),
    )
    services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)
    return rule


def _warm(n: str) -> None:
    """The first drain of a team makes its inbox channel (a configuration change): drain
    twice, so that what the next drain may keep is in place."""
    _rule_reads(f"{n}-warm-1")
    _rule_reads(f"{n}-warm-2")


def _rule_reads(n: str) -> int:
    events.record("generic", "generic.ping", n)
    with CaptureQueriesContext(connection) as captured:
        events.drain()
    return sum('FROM "handoffs_rule"' in q["sql"] for q in captured.captured_queries)


def test_drains_keep_the_rules_they_read_until_the_configuration_changes(db, admin_user, ops):
    rule = _rule(admin_user, ops)
    _warm("p")

    assert _rule_reads("p-1") == 0  # the next drains reuse them
    assert _rule_reads("p-2") == 0
    assert Handoff.objects.filter(rule=rule).count() == 4

    # Disabled behind the services' back (a bulk update sends no signal): the next drain
    # reads the rules again and makes no handoff.
    Rule.objects.filter(pk=rule.pk).update(enabled=False)
    assert _rule_reads("p-3") >= 1
    assert Handoff.objects.filter(rule=rule).count() == 4


def test_a_member_removed_between_drains_gets_no_inbox_alert(db, admin_user, ops):
    from hub.models import Notification

    leaver = UserFactory()
    MembershipFactory(user=leaver, team=ops)
    _rule(admin_user, ops)
    _warm("m")
    assert Notification.objects.filter(recipient=leaver).count() == 2
    assert _rule_reads("m-1") == 0  # the team's members are kept as well
    assert Notification.objects.filter(recipient=leaver).count() == 3

    Membership.objects.filter(user=leaver).delete()
    events.record("generic", "generic.ping", "m-2")
    events.drain()
    assert Notification.objects.filter(recipient=leaver).count() == 3
    assert Notification.objects.filter(recipient=admin_user).count() == 4


def test_what_drains_keep_expires_even_if_the_number_stands_still(db, admin_user, ops, monkeypatch):
    _rule(admin_user, ops)
    _warm("t")
    assert _rule_reads("t-2") == 0
    later = events.time.monotonic() + events.KEEP_SECONDS + 1
    monkeypatch.setattr(events.time, "monotonic", lambda: later)
    assert _rule_reads("t-3") >= 1


def test_a_failed_subscriber_drops_what_the_drains_kept(db, admin_user, ops, settings):
    _rule(admin_user, ops)
    _warm("f")
    assert _rule_reads("f-1") == 0
    settings.CROSSDOCK_EVENT_SUBSCRIBERS = ["tests.hub.subscribers.always_fails"]
    events.record("generic", "generic.ping", "f-2")
    events.drain()  # the failing subscriber's transaction rolled back: nothing kept is trusted
    settings.CROSSDOCK_EVENT_SUBSCRIBERS = []
    assert _rule_reads("f-3") >= 1


def test_memo_outside_a_drain_computes_every_time(db):
    calls: list[int] = []
    events.memo("k", lambda: calls.append(1))
    events.memo("k", lambda: calls.append(1))
    assert len(calls) == 2
