"""Placing a step (what a mouse drag on the lane board does): reorder within a lane, move to
another lane; bad input changes nothing."""

import pytest

from hub.errors import DomainError
from tests.workflows.factories import draw
from workflows import services
from workflows.models import MapVersion


def names_by_lane(map_):
    lanes = {}
    for step in map_.steps.select_related("lane__team").order_by("order", "id"):
        lanes.setdefault(step.lane.team.name, []).append(step.name)
    return lanes


def test_a_step_moves_before_another_of_its_lane(member):
    map_, steps = draw(member)
    by_name = {s.name: s for s in steps}
    version = map_.version
    services.step_place(
        actor=member,
        step=by_name["Delivery"],
        lane=by_name["First order"].lane,
        before=by_name["First order"],
    )
    assert names_by_lane(map_)["Operations"] == ["Delivery", "First order", "Dispatch"]
    assert list(map_.steps.order_by("order").values_list("order", flat=True)) == list(range(1, 8))
    map_.refresh_from_db()
    assert map_.version == version + 1
    assert MapVersion.objects.get(map=map_, number=map_.version).note == (
        "step Delivery moved within its lane"
    )


def test_a_step_moves_to_another_lane_at_its_end_or_before_a_step(member):
    map_, steps = draw(member)
    by_name = {s.name: s for s in steps}
    marketing = by_name["Signup"].lane
    services.step_place(actor=member, step=by_name["Dispatch"], lane=marketing)
    assert names_by_lane(map_)["Marketing"] == [
        "Lead generation",
        "Signup",
        "Campaign refinement",
        "Dispatch",
    ]
    services.step_place(
        actor=member, step=by_name["Feedback"], lane=marketing, before=by_name["Signup"]
    )
    lanes = names_by_lane(map_)
    assert lanes["Marketing"][:3] == ["Lead generation", "Feedback", "Signup"]
    assert "Customer Support" not in lanes
    assert map_.transitions.count() == 7  # the drawing's transitions stay


def test_placing_next_to_a_step_of_another_lane_is_refused(member):
    map_, steps = draw(member)
    by_name = {s.name: s for s in steps}
    before = list(map_.steps.values_list("id", "lane_id", "order"))
    with pytest.raises(DomainError, match="same lane"):
        services.step_place(
            actor=member,
            step=by_name["Dispatch"],
            lane=by_name["Signup"].lane,
            before=by_name["Delivery"],
        )
    assert list(map_.steps.values_list("id", "lane_id", "order")) == before


def test_the_board_form_places_a_step_and_refuses_a_foreign_one(client_for, member):
    map_, steps = draw(member)
    _other, other_steps = draw(member, name="Another map")
    by_name = {s.name: s for s in steps}
    url = f"/workflows/maps/{map_.pk}/steps/"
    response = client_for(member).post(
        url,
        {
            "op": "place",
            "step": by_name["Delivery"].pk,
            "lane": by_name["Signup"].lane_id,
            "before": by_name["Signup"].pk,
        },
    )
    assert response.status_code == 302
    assert names_by_lane(map_)["Marketing"][:2] == ["Lead generation", "Delivery"]
    before = list(map_.steps.values_list("id", "lane_id", "order"))
    response = client_for(member).post(
        url,
        {
            "op": "place",
            "step": by_name["Signup"].pk,
            "lane": by_name["Signup"].lane_id,
            "before": other_steps[0].pk,
        },
    )
    assert response.status_code == 404
    assert list(map_.steps.values_list("id", "lane_id", "order")) == before


def test_the_api_places_a_step_and_refuses_bad_input(api_for, member, outsider):
    map_, steps = draw(member)
    by_name = {s.name: s for s in steps}
    url = f"/api/v1/maps/{map_.pk}/place-step/"
    api = api_for(member)
    body = {"step": by_name["Feedback"].pk, "lane": by_name["Signup"].lane_id}
    response = api.post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["lane"] == by_name["Signup"].lane_id
    assert names_by_lane(map_)["Marketing"][-1] == "Feedback"
    before = list(map_.steps.values_list("id", "lane_id", "order"))
    refused = api.post(
        url,
        {"step": by_name["Dispatch"].pk, "lane": by_name["Signup"].lane_id,
         "before": by_name["Delivery"].pk},
        format="json",
    )  # fmt: skip
    assert refused.status_code == 400
    assert "same lane" in refused.json()["detail"]
    assert api.post(url, {"step": "x", "lane": 1}, format="json").status_code == 400
    assert api_for(outsider).post(url, body, format="json").status_code == 403
    assert list(map_.steps.values_list("id", "lane_id", "order")) == before
