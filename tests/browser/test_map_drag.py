"""Steps of a workflow map are dragged with a real mouse on the lane board: reordered within a
lane and moved to another lane, saved on the server; the keyboard way stays."""

from pathlib import Path

import pytest
from django.conf import settings

from hub.models import Role, Team
from tests.browser.test_signin import sign_in
from tests.factories import MembershipFactory, UserFactory
from tests.workflows.factories import draw

pytestmark = pytest.mark.browser

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def drag(page, source, target, *, above: bool) -> None:
    """Press on ``source``, move in steps to the top (or bottom) of ``target``, release."""
    page.get_by_test_id("lane-board").scroll_into_view_if_needed()
    box = source.bounding_box()
    goal = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    y = goal["y"] + (goal["height"] * 0.25 if above else goal["height"] + 8)
    page.mouse.move(goal["x"] + goal["width"] / 2, y, steps=12)
    page.mouse.up()


def lane_names(page, lane: str) -> list[str]:
    return page.get_by_test_id(f"board-lane-{lane}").locator(".board-step").all_inner_texts()


def test_steps_are_dragged_within_and_between_lanes(page, live_server, transactional_db):
    ops = Team.objects.create(name="Operations", slug="operations", kind="operations")
    lead = UserFactory(email="omar@crossdock.test", first_name="Omar")
    MembershipFactory(user=lead, team=ops, role=Role.MANAGER)
    map_, _steps = draw(lead)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, lead.email)
    page.wait_for_url("**/")
    page.goto(map_.get_absolute_url())
    assert lane_names(page, "operations") == ["First order", "Dispatch", "Delivery"]

    # Within a lane: Delivery goes above First order.
    drag(
        page,
        page.get_by_test_id("board-step-delivery"),
        page.get_by_test_id("board-step-first-order"),
        above=True,
    )
    page.get_by_text("Moved “Delivery”.").wait_for()
    assert lane_names(page, "operations") == ["Delivery", "First order", "Dispatch"]
    ordered = list(
        map_.steps.filter(lane__team=ops).order_by("order").values_list("name", flat=True)
    )
    assert ordered == ["Delivery", "First order", "Dispatch"]

    # Between lanes: Dispatch goes into Marketing, below its last step.
    drag(
        page,
        page.get_by_test_id("board-step-dispatch"),
        page.get_by_test_id("board-step-campaign-refinement"),
        above=False,
    )
    page.get_by_text("Moved “Dispatch”.").wait_for()
    assert lane_names(page, "marketing")[-1] == "Dispatch"
    assert map_.steps.get(name="Dispatch").lane.team.name == "Marketing"
    # The drawing follows the new lanes.
    assert page.locator(".map-canvas svg g.step").count() == 7

    # A drag dropped where it started changes nothing.
    version = map_.versions.count()
    page.get_by_test_id("lane-board").scroll_into_view_if_needed()
    box = page.get_by_test_id("board-step-signup").bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 30, box["y"] + 12, steps=5)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert map_.versions.count() == version

    # The keyboard way is still there: each step's lane menu and ↑ ↓.
    assert page.get_by_role("button", name="Move Signup earlier").count() == 1
    assert page.get_by_label("Lane of Signup").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    board = page.get_by_test_id("lane-board")
    board.scroll_into_view_if_needed()
    for width, suffix in ((1366, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"map-drag-{suffix}.png"), full_page=True)
    assert page.console_errors == []
