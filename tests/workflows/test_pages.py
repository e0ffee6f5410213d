"""Pages per role: members draw and export; outsiders see nothing; the list costs fixed queries."""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handoffs import services as handoff_services
from tests.factories import MembershipFactory, UserFactory
from tests.workflows.factories import draw, team
from workflows import services
from workflows.models import FrictionPoint, HandoffLink, Pilot, Step, Transition, WorkflowMap


@pytest.mark.parametrize("url", ["/workflows/", "/workflows/maps/new/"])
def test_outsider_is_refused(client_for, outsider, url):
    assert client_for(outsider).get(url).status_code == 403


def test_outsider_cannot_read_or_export_a_map(client_for, outsider, member):
    map_, _ = draw(member)
    client = client_for(outsider)
    assert client.get(f"/workflows/maps/{map_.pk}/").status_code == 403
    assert client.get(f"/workflows/maps/{map_.pk}/export/?format=json").status_code == 403
    assert client.post(f"/workflows/maps/{map_.pk}/steps/", {"op": "add"}).status_code == 403


def test_member_draws_a_map_in_the_browser_forms(client_for, member, ops, marketing):
    client = client_for(member)
    response = client.post(
        "/workflows/maps/new/", {"name": "Promo flow", "teams": [marketing.pk, ops.pk]}
    )
    map_ = WorkflowMap.objects.get(name="Promo flow")
    assert response.status_code == 302 and response["Location"] == f"/workflows/maps/{map_.pk}/"
    lanes = {lane.team.name: lane.pk for lane in map_.lanes.select_related("team")}
    url = f"/workflows/maps/{map_.pk}/"
    client.post(url + "steps/", {"op": "add", "name": "Promo code", "lane": lanes["Marketing"]})
    client.post(url + "steps/", {"op": "add", "name": "Dispatch", "lane": lanes["Operations"]})
    a, b = Step.objects.filter(map=map_).order_by("order")
    client.post(
        url + "transitions/", {"op": "add", "source": a.pk, "target": b.pk, "label": "code"}
    )
    point = Transition.objects.get(map=map_)
    client.post(
        url + "frictions/",
        {"op": "add", "where": f"transition-{point.pk}", "kind": "manual", "severity": 3},
    )
    assert FrictionPoint.objects.get(transition=point).severity == 3
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "manual handoff" in html and 'class="friction"' in html
    # A bad change is refused with a message, and nothing changes.
    response = client.post(
        url + "transitions/", {"op": "add", "source": a.pk, "target": a.pk}, follow=True
    )
    assert "A step cannot lead to itself." in response.content.decode()
    assert Transition.objects.filter(map=map_).count() == 1


def test_member_links_a_rule_and_sees_the_point_automated(
    client_for, member, admin_user, ops, marketing
):
    rule = handoff_services.rule_from_template(actor=admin_user, key="promo_code_created")
    map_, _ = draw(member)
    point = Transition.objects.get(map=map_, source__name="Signup", target__name="First order")
    client = client_for(member)
    client.post(
        f"/workflows/maps/{map_.pk}/transitions/",
        {"op": "link", "transition": point.pk, "rule": rule.pk},
    )
    assert HandoffLink.objects.filter(transition=point, rule=rule).exists()
    html = client.get(f"/workflows/maps/{map_.pk}/?days=7").content.decode()
    assert "automated handoff" in html
    assert f'data-testid="figures-{point.pk}"' in html


@pytest.mark.parametrize(
    ("fmt", "kind", "start"),
    [
        ("svg", "image/svg+xml", "<svg"),
        ("mermaid", "text/plain", "flowchart LR"),
        ("json", "application/json", "{"),
    ],
)
def test_exports(client_for, member, fmt, kind, start):
    map_, _ = draw(member)
    response = client_for(member).get(f"/workflows/maps/{map_.pk}/export/?format={fmt}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(kind)
    assert response.content.decode().startswith(start)
    assert "attachment" in response["Content-Disposition"]


def test_import_bad_json_shows_the_reason_and_changes_nothing(client_for, member):
    client = client_for(member)
    before = WorkflowMap.objects.count()
    bad = SimpleUploadedFile(
        "map.json", b'{"name": "x", "lanes": [{"team": "Ghosts"}], "steps": [], "transitions": []}'
    )
    response = client.post("/workflows/maps/import/", {"file": bad})
    assert response.status_code == 400
    assert "no team is called &#x27;Ghosts&#x27;" in response.content.decode()
    broken = SimpleUploadedFile("map.json", b"{not json")
    response = client.post("/workflows/maps/import/", {"file": broken})
    assert "not valid JSON" in response.content.decode()
    assert WorkflowMap.objects.count() == before


def test_import_round_trip_through_the_page(client_for, member):
    map_, _ = draw(member)
    client = client_for(member)
    exported = client.get(f"/workflows/maps/{map_.pk}/export/?format=json").content
    response = client.post(
        "/workflows/maps/import/", {"file": SimpleUploadedFile("m.json", exported)}
    )
    assert response.status_code == 302
    copy = WorkflowMap.objects.exclude(pk=map_.pk).get()
    assert json.loads(exported)["name"] == copy.name
    assert copy.steps.count() == 7


def test_only_the_author_or_a_manager_deletes_a_map(client_for, member, manager, ops):
    map_, _ = draw(member)
    other = UserFactory()
    MembershipFactory(user=other, team=ops)
    assert client_for(other).post(f"/workflows/maps/{map_.pk}/delete/").status_code == 403
    assert client_for(manager).post(f"/workflows/maps/{map_.pk}/delete/").status_code == 302
    assert not WorkflowMap.objects.filter(pk=map_.pk).exists()


def test_versions_page_restores(client_for, member):
    map_, steps = draw(member)
    client = client_for(member)
    client.post(f"/workflows/maps/{map_.pk}/steps/", {"op": "delete", "step": steps[0].pk})
    assert client.get(f"/workflows/maps/{map_.pk}/versions/").status_code == 200
    client.post(f"/workflows/maps/{map_.pk}/versions/", {"number": 2})
    assert Step.objects.filter(map=map_).count() == 1


def test_member_starts_a_pilot_and_a_stranger_cannot_decide(client_for, member, ops, marketing):
    map_, _ = draw(member)
    point = Transition.objects.get(map=map_, source__name="Signup", target__name="First order")
    friction = services.friction_add(
        actor=member, map=map_, transition=point, kind="manual", owner_team=ops
    )
    client = client_for(member)
    assert (
        client.get(f"/workflows/maps/{map_.pk}/frictions/{friction.pk}/pilot/").status_code == 200
    )
    response = client.post(
        f"/workflows/maps/{map_.pk}/frictions/{friction.pk}/pilot/",
        {
            "title": "Promo codes notify ops",
            "hypothesis": "Fewer missed handoffs",
            "fix": "Enable the rule",
            "metric": "missed_handoffs",
            "owner_teams": [ops.pk],
            "starts_on": "2026-03-02",
        },
    )
    pilot = Pilot.objects.get()
    assert response["Location"] == f"/workflows/pilots/{pilot.pk}/"
    assert client.get(response["Location"]).status_code == 200
    stranger = UserFactory()
    MembershipFactory(user=stranger, team=team("Tech"))
    client = client_for(stranger)
    assert client.get(f"/workflows/pilots/{pilot.pk}/").status_code == 200
    client.post(f"/workflows/pilots/{pilot.pk}/", {"decision": "drop"})
    pilot.refresh_from_db()
    assert pilot.status == Pilot.Status.RUNNING


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def grow(member, ops, n: int, start: int) -> None:
    for i in range(start, start + n):
        map_, _ = draw(
            member,
            [("Marketing", f"a{i}"), ("Operations", f"b{i}"), ("Marketing", f"c{i}")],
            name=f"m{i}",
        )
        point = Transition.objects.filter(map=map_).first()
        f = services.friction_add(
            actor=member, map=map_, transition=point, kind="delay", owner_team=ops
        )
        services.pilot_start(
            actor=member,
            friction=f,
            title=f"p{i}",
            hypothesis="h",
            fix="f",
            metric="missed_handoffs",
            owner_teams=[ops],
            starts_on=date(2026, 1, 1),
        )


def test_list_and_map_pages_cost_the_same_queries_with_more_rows(
    client_for, member, ops, marketing
):
    client = client_for(member)
    urls = ["/workflows/", "/api/v1/maps/", "/api/v1/pilots/"]
    grow(member, ops, 2, 0)
    small = [queries(client, url) for url in urls]
    grow(member, ops, 6, 2)
    assert [queries(client, url) for url in urls] == small
    map_, _ = draw(member, name="small")
    small_map = queries(client, f"/workflows/maps/{map_.pk}/")
    big, _ = draw(
        member,
        [("Marketing", f"s{i}") if i % 2 else ("Operations", f"s{i}") for i in range(30)],
        name="big",
    )
    assert queries(client, f"/workflows/maps/{big.pk}/") == small_map
