"""Issue #14's journey: an ops lead draws the flow from scratch, marks the marketing→ops handoff
as friction, links the promo-code rule, sees live figures, exports SVG and Mermaid, starts a
pilot and — two weeks later — reviews it with before and during figures."""

import itertools
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from handoffs import services as handoff_services
from handoffs.models import Handoff
from hub.models import Role, Team
from tests.browser.test_signin import sign_in
from tests.factories import MembershipFactory, UserFactory
from workflows import services
from workflows.models import FrictionPoint, Pilot

pytestmark = pytest.mark.browser

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
FLOW = [
    ("Marketing", "Lead generation"),
    ("Marketing", "Signup"),
    ("Operations", "First order"),
    ("Operations", "Dispatch"),
    ("Operations", "Delivery"),
    ("Customer Support", "Feedback"),
    ("Marketing", "Campaign refinement"),
]


def at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def history(rule, ops, today) -> None:
    """Promo handoffs of the last weeks: many missed before the pilot, few during it."""
    rows = []
    for offset in range(-21, 7):
        day = today + timedelta(days=offset)
        missed = (3 + offset % 2) if offset < -7 else (offset % 2)
        for n in range(missed):
            rows.append(
                Handoff(
                    rule=rule,
                    team=ops,
                    title=f"missed {offset}/{n}",
                    status="missed",
                    created_at=at(day, 8),
                    missed_at=at(day, 12 + n),
                )
            )
        if offset < 0:
            created = at(day, 9)
            rows.append(
                Handoff(
                    rule=rule,
                    team=ops,
                    title=f"acked {offset}",
                    status="acknowledged",
                    created_at=created,
                    acknowledged_at=created + timedelta(minutes=20 + offset % 3 * 10),
                )
            )
    Handoff.objects.bulk_create(rows)


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, suffix in ((1366, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_ops_lead_maps_the_flow_and_reviews_a_pilot(page, live_server, transactional_db, tmp_path):
    teams = {
        name: Team.objects.create(name=name, slug=name.lower().replace(" ", "-"), kind=kind)
        for name, kind in (
            ("Marketing", "marketing"),
            ("Operations", "operations"),
            ("Customer Support", "support"),
            ("Tech", "tech"),
        )
    }
    admin = UserFactory(email="maya@crossdock.test")
    MembershipFactory(user=admin, team=teams["Tech"], role=Role.ADMIN)
    lead = UserFactory(email="omar@crossdock.test", first_name="Omar")
    MembershipFactory(user=lead, team=teams["Operations"], role=Role.MANAGER)
    rule = handoff_services.rule_from_template(actor=admin, key="promo_code_created")
    handoff_services.rule_set_enabled(actor=admin, rule=rule, enabled=True)
    today = timezone.localdate()
    history(rule, teams["Operations"], today)

    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, lead.email)
    page.wait_for_url("**/")
    page.goto("/workflows/")
    page.get_by_role("button", name="New map").click()
    page.get_by_label("Name").fill("Lead to feedback")
    for team in ("Marketing", "Operations", "Customer Support"):
        page.get_by_label(team).check()
    page.get_by_role("button", name="Create the map").click()
    page.wait_for_url("**/workflows/maps/*/")

    # Steps, each in its lane, with the keyboard (Enter submits the form).
    for lane, name in FLOW:
        page.get_by_label("in lane").select_option(label=lane)
        field = page.get_by_label("New step")
        field.fill(name)
        field.press("Enter")
        page.locator(f'svg .step:has-text("{name}")').wait_for()
    # Transitions with the mouse.
    for (_, a), (_, b) in itertools.pairwise(FLOW):
        connect = page.locator("#transitions form.add-form")
        connect.locator("select[name=source]").select_option(label=f"{a} ({_lane(a)})")
        connect.locator("select[name=target]").select_option(label=f"{b} ({_lane(b)})")
        connect.get_by_role("button", name="Connect").click()
        page.get_by_test_id(f"transition-{_slug(a)}-{_slug(b)}").wait_for()
    assert page.locator("svg g.handoff.manual").count() == 3

    # Friction on the marketing → ops handoff, and the promo-code rule linked to it.
    point = page.get_by_test_id("transition-signup-first-order")
    point.get_by_text("Mark friction on Signup → First order").click()
    point.get_by_label("Kind").select_option(label="Manual handoff")
    point.get_by_label("Severity").select_option(label="High")
    point.get_by_label("Owner team").select_option(label="Operations")
    point.get_by_label("Notes").fill("Ops hears about promo codes from customers.")
    point.get_by_role("button", name="Mark friction", exact=True).click()
    page.locator("svg g.friction").first.wait_for()
    point = page.get_by_test_id("transition-signup-first-order")
    point.get_by_label("Handoff rule for Signup to First order").select_option(label=rule.name)
    point.get_by_role("button", name="Link rule").click()
    page.locator("svg g.handoff.automated").wait_for()
    figures = page.get_by_test_id("transition-signup-first-order").locator(".figures-text")
    assert "handoffs · median to acknowledge" in figures.inner_text()
    assert page.locator("svg g.figures").count() == 1
    assert page.locator("svg g.handoff.manual").count() == 2
    shoot(page, "workflow-map")

    # Exports: SVG and Mermaid.
    with page.expect_download() as svg_download:
        page.get_by_test_id("export-svg").click()
    svg_text = Path(svg_download.value.path()).read_text()
    assert svg_text.startswith("<svg") and "Lead generation" in svg_text
    with page.expect_download() as mermaid_download:
        page.get_by_test_id("export-mermaid").click()
    mermaid = Path(mermaid_download.value.path()).read_text()
    assert mermaid.startswith("flowchart LR") and mermaid.count("subgraph") == 3
    assert "==>" in mermaid  # the automated handoff
    with page.expect_download() as png_download:
        page.get_by_role("link", name="PNG").click()
    assert png_download.value.suggested_filename.endswith(".png")
    assert Path(png_download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # A pilot on the friction point, started a week ago.
    page.get_by_role("button", name="Start a pilot").click()
    page.get_by_label("Title").fill("Every promo code notifies ops")
    page.get_by_label("Hypothesis").fill(
        "If ops hears about each code at once, fewer handoffs are missed."
    )
    page.get_by_label("Cross-team fix").fill("The promo-code rule notifies Operations.")
    page.get_by_label("Handoff rule of the fix").select_option(label=rule.name)
    page.get_by_label("KPI that should move").select_option(label="Missed handoffs / month")
    page.get_by_label("Marketing").check()
    page.get_by_label("Starts on").fill((today - timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Start the two-week pilot").click()
    page.wait_for_url("**/workflows/pilots/*/")
    pilot = Pilot.objects.get()
    assert pilot.status == "running"
    assert FrictionPoint.objects.get().status == "piloting"

    # Two weeks on: beat schedules the review; the lead reads it and adopts the fix.
    with time_machine.travel(at(pilot.ends_on + timedelta(days=1), 7), tick=True):
        assert services.pilots_schedule_reviews() == 1
        page.goto(f"/workflows/pilots/{pilot.pk}/")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Review:")
        baseline = float(page.get_by_test_id("baseline-value").inner_text())
        during = float(page.get_by_test_id("during-value").inner_text())
        assert baseline > during
        assert "bigger than the noise" in page.get_by_test_id("pilot-verdict").inner_text()
        shoot(page, "pilot-review")
        page.get_by_label("Adopt").check()
        page.get_by_label("Add to the write-up").fill(
            "Keep the rule; do the same for campaign scheduling."
        )
        page.get_by_role("button", name="Record the decision").click()
        assert page.get_by_test_id("pilot-decision").inner_text() == "Adopt"
    assert FrictionPoint.objects.get().status == "resolved"
    # The write-up is a docs page from the pilot template, and it names its pilot.
    page.get_by_test_id("writeup-link").get_by_role("link").click()
    page.wait_for_url("**/wiki/p/**")
    body = page.get_by_test_id("page-body")
    assert "Keep the rule; do the same for campaign scheduling." in body.inner_text()
    assert "Pilot: Every promo code notifies ops" in body.inner_text()  # the live chip
    related = page.get_by_test_id("related")
    assert "Write-up of the pilot “Every promo code notifies ops”" in related.inner_text()
    shoot(page, "pilot-writeup")
    related.get_by_role("link").click()
    page.wait_for_url(f"**/workflows/pilots/{pilot.pk}/")
    assert page.console_errors == []


def _lane(step: str) -> str:
    return {n: t for t, n in FLOW}[step]


def _slug(text: str) -> str:
    return text.lower().replace(" ", "-")
