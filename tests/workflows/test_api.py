"""/api/v1/maps (with ?format= exports and JSON import) and /api/v1/pilots."""

from datetime import date, timedelta

import time_machine
from django.utils import timezone

from hub.models import Event
from standups.models import AgendaItem
from tests.workflows.factories import draw
from wiki import selectors as wiki_selectors
from workflows import exchange, selectors, services
from workflows.models import Pilot, Transition, WorkflowMap


def test_outsider_gets_nothing(api_for, outsider):
    assert api_for(outsider).get("/api/v1/maps/").status_code == 403
    assert api_for().get("/api/v1/pilots/").status_code in (401, 403)


def test_maps_list_newest_first_and_exports(api_for, member):
    first, _ = draw(member, name="one")
    second, _ = draw(member, name="two")
    api = api_for(member)
    body = api.get("/api/v1/maps/").json()
    assert body["count"] == 2
    assert [m["id"] for m in body["results"]] == [second.pk, first.pk]
    assert body["results"][0]["step_count"] == 7
    svg = api.get(f"/api/v1/maps/{first.pk}/?format=svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg")
    mermaid = api.get(f"/api/v1/maps/{first.pk}/?format=mermaid")
    assert mermaid.content.decode().startswith("flowchart LR")
    data = api.get(f"/api/v1/maps/{first.pk}/?format=json").json()
    assert data["format"] == exchange.FORMAT and len(data["steps"]) == 7
    detail = api.get(f"/api/v1/maps/{first.pk}/").json()
    assert detail["id"] == first.pk and detail["version"] == first.version
    bad = api.get(f"/api/v1/maps/{first.pk}/?format=pdf")
    assert bad.status_code == 400 and "format" in bad.json()["errors"]


def test_import_through_the_api_and_a_clear_400(api_for, member):
    map_, _ = draw(member)
    api = api_for(member)
    doc = api.get(f"/api/v1/maps/{map_.pk}/?format=json").json()
    created = api.post("/api/v1/maps/", doc, format="json")
    assert created.status_code == 201 and created.json()["step_count"] == 7
    doc["transitions"][0]["to"] = "nowhere"
    refused = api.post("/api/v1/maps/", doc, format="json")
    assert refused.status_code == 400
    assert "must be ids of steps" in refused.json()["detail"]
    assert WorkflowMap.objects.count() == 2


def test_pilots_start_read_and_decide(api_for, member, ops, marketing):
    map_, _ = draw(member)
    point = Transition.objects.get(map=map_, source__name="Signup", target__name="First order")
    friction = services.friction_add(actor=member, map=map_, transition=point, kind="manual")
    api = api_for(member)
    created = api.post(
        "/api/v1/pilots/",
        {
            "title": "Promo codes notify ops",
            "friction": friction.pk,
            "hypothesis": "Fewer misses",
            "fix": "Rule on",
            "metric": "missed_handoffs",
            "owner_teams": ["operations"],
            "starts_on": "2026-03-02",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pilot_id = created.json()["id"]
    assert created.json()["ends_on"] == "2026-03-15"
    with time_machine.travel(date(2026, 3, 5), tick=False):
        early = api.post(f"/api/v1/pilots/{pilot_id}/decide/", {"decision": "adopt"}, format="json")
    assert early.status_code == 400 and "runs until" in early.json()["detail"]
    with time_machine.travel(date(2026, 3, 17), tick=False):
        services.pilots_schedule_reviews()
        detail = api.get(f"/api/v1/pilots/{pilot_id}/").json()
        assert detail["status"] == "review"
        assert detail["result"]["baseline"]["start"] == "2026-02-16"
        decided = api.post(
            f"/api/v1/pilots/{pilot_id}/decide/", {"decision": "adopt"}, format="json"
        )
    assert decided.status_code == 200 and decided.json()["decision"] == "adopt"
    assert api.get("/api/v1/pilots/?status=decided").json()["count"] == 1
    assert api.get("/api/v1/pilots/?status=bogus").status_code == 400


def test_rule_action_opens_the_review(member, admin_user, ops, marketing):
    from handoffs import actions

    map_, _ = draw(member)
    point = Transition.objects.get(map=map_, source__name="Signup", target__name="First order")
    friction = services.friction_add(actor=member, map=map_, transition=point, kind="manual")
    pilot = services.pilot_start(
        actor=member,
        friction=friction,
        title="P",
        hypothesis="h",
        fix="f",
        metric="missed_handoffs",
        owner_teams=[ops],
        starts_on=timezone.localdate() - timedelta(days=20),
    )
    action = actions.get("workflows.open_pilot_review")
    assert action is not None

    class FakeEvent:
        payload = {"pilot_id": pilot.pk}

    run = actions.ActionRun(rule=None, event=FakeEvent(), context={}, params={}, now=timezone.now())
    assert "P" in action.preview(run)
    assert "Opened the review" in action.run(run)
    pilot.refresh_from_db()
    assert pilot.status == Pilot.Status.REVIEW


def test_demo_ships_the_map_and_the_adopted_promo_pilot(db):
    from hub import demo

    demo.load(deliveries=300)
    map_ = WorkflowMap.objects.get(name__startswith="SwiftDrop")
    data = selectors.map_data(map_)
    promo = next(t for t in data.transitions if t.source.name == "Promo code created")
    assert [link.rule.template_key for link in promo.links.all()] == ["promo_code_created"]
    pilot = Pilot.objects.get(title="Every promo code notifies ops")
    assert pilot.decision == "adopt" and pilot.friction.status == "resolved"
    result = selectors.pilot_result(pilot)
    assert result.baseline is not None and result.during is not None
    assert result.statement
    # Its write-up is a docs page; a second pilot's review is on the next weekly standup.
    page = wiki_selectors.page_get(pilot.writeup_page_id)
    assert "ops sees every code before the first order uses it" in page.body
    review = Pilot.objects.get(title="Support's weekly digest of what customers say")
    assert review.status == "review"
    event = Event.objects.get(type="workflows.pilot.review_due", payload__pilot_id=review.pk)
    item = AgendaItem.objects.get(event=event)
    assert item.title == f"Pilot review: {review.title}"
    assert item.meeting.status != "ended"
