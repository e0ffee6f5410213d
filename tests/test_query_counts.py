"""No N+1: a list page costs the same number of queries with 3 rows as with 12."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handoffs import services
from handoffs.models import Channel, Integration
from hub import business, events
from hub.models import Zone
from tests.factories import MembershipFactory, UserFactory


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def grow(start: int, n: int, admin, ops, marketing) -> None:
    zone, _ = Zone.objects.get_or_create(code="z", defaults={"name": "Z"})
    for i in range(start, start + n):
        services.handoff_create(team=ops, title=f"h{i}", created_by=admin)
        Channel.objects.create(
            team=ops, kind="slack", name=f"#c{i}", target="https://hooks.example/x"
        )
        Integration.objects.create(name=f"i{i}", kind="generic", secret="s")
        services.rule_save(
            actor=admin,
            data=services.RuleInput(
                name=f"r{i}",
                trigger="generic.x",
                teams=[ops],
                owner_team=marketing,
                title_template="x",
            ),
        )
        campaign = business.campaign_create(
            actor=admin, name=f"c{i}", channel="email", zones=[zone]
        )
        business.promo_code_create(
            actor=admin, code=f"CODE{i}", discount_percent=5, campaign=campaign
        )
        MembershipFactory(user=UserFactory(), team=ops)
        events.record("generic", "generic.x", f"e{i}", {"i": i})


@pytest.mark.parametrize(
    "url",
    [
        "/handoffs/?scope=all",
        "/handoffs/rules/",
        "/handoffs/channels/",
        "/handoffs/integrations/",
        "/handoffs/events/",
        "/people/",
        "/teams/operations/",
        "/campaigns/",
        "/api/v1/handoffs/",
        "/api/v1/rules/",
        "/api/v1/campaigns/",
        "/api/v1/events/",
    ],
)
def test_list_pages_do_not_query_per_row(client_for, admin_user, ops, marketing, url):
    client = client_for(admin_user)
    grow(0, 3, admin_user, ops, marketing)
    few = queries(client, url)
    grow(3, 9, admin_user, ops, marketing)
    assert queries(client, url) == few


def test_explain_does_not_query_per_event(client_for, admin_user, ops, marketing):
    rule = services.rule_save(
        actor=admin_user,
        data=services.RuleInput(
            name="Promo → Ops",
            trigger="generic.promo",
            teams=[ops],
            owner_team=marketing,
            title_template="Promo {{ payload.code }}",
        ),
    )
    services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)

    def promos(start: int, n: int) -> None:
        for i in range(start, start + n):
            recorded = events.record(
                "generic", "generic.promo", f"p{i}", {"code": f"C{i}", "campaign_id": 77}
            )
            events.process(recorded.event.pk)

    client = client_for(admin_user)
    promos(0, 3)
    few = queries(client, "/handoffs/explain/?campaign=77")
    promos(3, 9)
    page = client.get("/handoffs/explain/?campaign=77").content.decode()
    assert "Promo C11" in page
    assert queries(client, "/handoffs/explain/?campaign=77") == few


@pytest.mark.django_db(transaction=True)
def test_a_completed_task_with_a_matching_rule_costs_a_bounded_number_of_queries(
    admin_user, ops, teams_hook
):
    """The worker's hot path: processing an Onfleet taskCompleted event (facts, rules, a
    handoff) and delivering its two alerts (team inbox, outbound webhook), as a drain does.
    Round trips per event are the worker's cost: 81 before drains shared the rules, channels
    and zones they read, delivered the inbox with the handoff and sent the webhook in-process;
    45.5 before the customer was found in one query, the first-delivery flag set in one
    statement, a day marked dirty once per transaction and the handoff written without a
    lookup and savepoint its rule's evaluation already rules out; 37 before an alert the drain
    sends was claimed as it was written and its attempt and "sent" were recorded in one
    statement; 32 before a rule's evaluation was written without looking for one first (the
    write itself finds a stored one). (The test settings' two counting subscribers add a BEGIN
    and a COMMIT each.)
    """
    from handoffs.models import Alert, Handoff
    from tests.handoffs import payloads

    MembershipFactory(user=UserFactory(), team=ops)
    channel = services.channel_create(
        actor=admin_user, team=ops, kind="webhook", name="Receiver", target=teams_hook.url
    )
    rule = services.rule_save(
        actor=admin_user,
        data=services.RuleInput(
            name="Every completed task",
            trigger="onfleet.taskCompleted",
            teams=[ops],
            owner_team=ops,
            title_template="{{ event.external_id }}",
            message_template="Task {{ payload.taskId }} completed.",
            channels=[channel],
            requires_ack=False,
        ),
    )
    services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)

    def record(n: int) -> None:
        for i in range(n):
            payload = payloads.onfleet_task_event(
                task_id=f"task{i}", recipient_id=f"rcp{i}", recipient_phone=f"+1415555{i:04d}"
            )
            events.record("onfleet", "onfleet.taskCompleted", f"t{i}", payload, subject=f"t{i}")

    def process_and_deliver() -> None:
        while events.drain()[1]:
            pass
        for alert_id in Alert.objects.filter(status="pending").values_list("pk", flat=True):
            services.alert_send(alert_id)  # what a worker's send task does, for any left

    record(8)
    with CaptureQueriesContext(connection) as captured:
        process_and_deliver()
    assert Handoff.objects.count() == 8
    assert set(Alert.objects.values_list("status", flat=True)) == {"sent"}
    assert len(teams_hook.requests) == 8
    assert len(captured) / 8 <= 31.5, [q["sql"][:80] for q in captured.captured_queries[:80]]
    # A driver or a delivery is found by its unique dispatch id: nothing to sort, and no
    # ORDER BY to build (first() would add the model's default ordering).
    by_dispatch_id = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT")
        and any(f'FROM "{t}" ' in q["sql"] for t in ("hub_driver", "hub_delivery"))
        and '"dispatch_id" =' in q["sql"]
    ]
    assert len(by_dispatch_id) >= 3 * 8  # the driver, the delivery, the rule context's delivery
    assert [sql for sql in by_dispatch_id if "ORDER BY" in sql] == []
