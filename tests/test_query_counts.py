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
