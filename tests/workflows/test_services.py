"""Maps: drawing, handoff points, friction points, versions, exports and imports."""

import json

import pytest
from django.utils import timezone

from handoffs import services as handoff_services
from hub.errors import DomainError
from hub.models import AuditLog
from tests.workflows.factories import draw, team
from workflows import exchange, render, selectors, services
from workflows.models import FrictionPoint, HandoffLink, MapVersion, Step, Transition, WorkflowMap


@pytest.fixture
def promo_rule(admin_user, ops, marketing):
    return handoff_services.rule_from_template(actor=admin_user, key="promo_code_created")


def handoff_between(map_, a: str, b: str) -> Transition:
    return Transition.objects.get(map=map_, source__name=a, target__name=b)


def test_every_save_is_a_version_and_restore_brings_the_drawing_back(member):
    map_, steps = draw(member)
    n = map_.version
    assert n == MapVersion.objects.filter(map=map_).count()
    services.step_update(actor=member, step=steps[1], name="Sign-up form", lane=steps[1].lane)
    services.step_delete(actor=member, step=steps[-1])
    map_.refresh_from_db()
    assert map_.version == n + 2
    assert not Step.objects.filter(name="Campaign refinement").exists()

    services.map_restore(actor=member, map=map_, number=n)
    names = set(Step.objects.filter(map=map_).values_list("name", flat=True))
    assert {"Signup", "Campaign refinement"} <= names
    assert "Sign-up form" not in names
    assert Step.objects.get(pk=steps[1].pk).name == "Signup"  # same row kept
    assert Transition.objects.filter(map=map_).count() == 7
    map_.refresh_from_db()
    assert map_.version == n + 3
    assert AuditLog.objects.filter(action="workflows.map.restore").count() == 1


def test_a_cross_lane_transition_is_a_handoff_point(member):
    map_, _ = draw(member)
    data = selectors.map_data(map_)
    names = {(t.source.name, t.target.name) for t in data.handoff_points}
    assert ("Signup", "First order") in names
    assert ("First order", "Dispatch") not in names


def test_linking_a_rule_makes_the_handoff_point_automated(member, promo_rule):
    map_, _ = draw(member)
    point = handoff_between(map_, "Signup", "First order")
    services.transition_link_rule(actor=member, transition=point, rule=promo_rule)
    services.transition_link_rule(actor=member, transition=point, rule=promo_rule)  # idempotent
    assert HandoffLink.objects.filter(transition=point).count() == 1
    svg = render.svg(selectors.map_data(map_).drawing)
    assert svg.count('class="handoff automated"') == 1
    assert 'class="handoff manual"' in svg


def test_a_rule_cannot_be_linked_inside_one_lane(member, promo_rule):
    map_, _ = draw(member)
    inside = handoff_between(map_, "First order", "Dispatch")
    with pytest.raises(DomainError, match="handoff point"):
        services.transition_link_rule(actor=member, transition=inside, rule=promo_rule)


def test_transitions_refuse_loops_on_one_step_and_duplicates(member):
    map_, steps = draw(member)
    with pytest.raises(DomainError, match="itself"):
        services.transition_add(actor=member, map=map_, source=steps[0], target=steps[0])
    with pytest.raises(DomainError, match="already leads"):
        services.transition_add(actor=member, map=map_, source=steps[0], target=steps[1])


def test_friction_on_a_handoff_point_shows_on_the_map(member, ops):
    map_, _ = draw(member)
    point = handoff_between(map_, "Signup", "First order")
    friction = services.friction_add(
        actor=member, map=map_, transition=point, kind="manual", severity=3, owner_team=ops
    )
    assert friction.where == "Signup → First order"
    svg = render.svg(selectors.map_data(map_).drawing)
    assert f'data-friction="{friction.pk}"' in svg
    with pytest.raises(DomainError):
        services.friction_add(actor=member, map=map_, kind="delay")


def test_live_figures_count_the_linked_rules_handoffs(member, ops, promo_rule):
    from handoffs.models import Handoff

    map_, _ = draw(member)
    point = handoff_between(map_, "Signup", "First order")
    services.transition_link_rule(actor=member, transition=point, rule=promo_rule)
    now = timezone.now()
    for minutes in (10, 30):
        Handoff.objects.create(
            rule=promo_rule,
            team=ops,
            title="code",
            created_at=now - timezone.timedelta(hours=3),
            acknowledged_at=now - timezone.timedelta(hours=3) + timezone.timedelta(minutes=minutes),
            status="acknowledged",
        )
    Handoff.objects.create(
        rule=promo_rule, team=ops, title="missed", created_at=now, missed_at=now, status="missed"
    )
    data = selectors.map_data(map_)
    start, end = selectors.period_bounds(30, now + timezone.timedelta(seconds=1))
    figures = selectors.handoff_point_figures(data, start, end)
    assert figures[point.pk] == render.Figures(created=3, median_ack_minutes=20.0, missed=1)
    svg = render.svg(data.drawing, figures)
    assert "3 handoffs" in svg and "20 min · 1 missed" in svg


def test_mermaid_is_a_flowchart_with_a_subgraph_per_lane(member, promo_rule):
    map_, _ = draw(member)
    services.transition_link_rule(
        actor=member, transition=handoff_between(map_, "Signup", "First order"), rule=promo_rule
    )
    text = render.mermaid(selectors.map_data(map_).drawing)
    assert text.startswith("flowchart LR\n")
    assert text.count("subgraph ") == 3 and text.count("\n  end") == 3
    assert '"Lead generation"' in text
    assert "==>" in text and "-.->" in text and "-->" in text
    assert '-->|"next campaign"| ' in text


def test_json_export_imports_as_an_equal_map(member, promo_rule, ops):
    map_, _ = draw(member)
    point = handoff_between(map_, "Signup", "First order")
    services.transition_link_rule(actor=member, transition=point, rule=promo_rule)
    services.friction_add(actor=member, map=map_, transition=point, kind="manual", owner_team=ops)
    exported = exchange.export(selectors.map_data(map_))
    copy = services.map_import(actor=member, raw=json.loads(json.dumps(exported)))
    again = exchange.export(selectors.map_data(copy))
    strip = lambda d: {k: v for k, v in d.items() if k not in ("steps", "transitions", "frictions")}  # noqa: E731
    assert strip(again) == strip(exported)
    assert [s["name"] for s in again["steps"]] == [s["name"] for s in exported["steps"]]
    assert len(again["transitions"]) == 7
    assert FrictionPoint.objects.filter(map=copy, kind="manual").count() == 1
    assert HandoffLink.objects.filter(transition__map=copy, rule=promo_rule).count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(lanes=[{"team": "Nobody"}]), "no team is called 'Nobody'"),
        (lambda d: d["transitions"].append({"from": "s0", "to": "x"}), "must be ids of steps"),
        (lambda d: d["steps"][0].update(name=""), "must not be empty"),
        (lambda d: d["transitions"][0].update(rules=[999999]), "no handoff rule has id"),
        (lambda d: d.update(steps="nope"), "'steps' must be a list"),
        (lambda d: d.update(format="something.else"), "not a crossdock.workflow-map"),
    ],
)
def test_bad_json_gets_a_clear_error_and_changes_nothing(member, change, message):
    map_, _ = draw(member)
    exported = exchange.export(selectors.map_data(map_))
    change(exported)
    maps, steps = WorkflowMap.objects.count(), Step.objects.count()
    with pytest.raises(DomainError, match=message):
        services.map_import(actor=member, raw=exported)
    assert (WorkflowMap.objects.count(), Step.objects.count()) == (maps, steps)


def test_lanes_add_move_and_remove_only_when_empty(member):
    map_, steps = draw(member)
    tech = team("Tech")
    lane = services.lane_add(actor=member, map=map_, team=tech)
    with pytest.raises(DomainError, match="already has a lane"):
        services.lane_add(actor=member, map=map_, team=tech)
    services.lane_move(actor=member, lane=lane, direction=-1)
    order = list(map_.lanes.values_list("team__name", flat=True))
    assert order.index("Tech") == len(order) - 2
    marketing_lane = steps[0].lane
    with pytest.raises(DomainError, match="Move or delete the steps"):
        services.lane_remove(actor=member, lane=marketing_lane)
    services.lane_remove(actor=member, lane=lane)
    assert not map_.lanes.filter(team=tech).exists()


def test_moving_a_step_swaps_its_order(member):
    map_, steps = draw(member)
    services.step_move(actor=member, step=steps[2], direction=-1)
    names = list(Step.objects.filter(map=map_).values_list("name", flat=True))
    assert names[1:3] == ["First order", "Signup"]
