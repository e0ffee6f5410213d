"""Issue #15's journey, as new users would try it on the demo company: marketing schedules a
campaign in a zone; ops, support and tech get their readiness handoffs; going live before ops
confirm is refused with the reason; after the confirmations it goes live; generated codes
notify ops; a campaign page shows CAC, on-time % of first deliveries and promo-recipient CSAT
from the demo data; a logged campaign error shows in the KPIs."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from hub import demo
from hub.models import Campaign, Incident, Notification
from workflows.models import ReadinessItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
NAME = "Downtown evening slots"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, suffix in ((1366, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        if width == 390:
            # Charts redraw for the new width on the window's resize event, a moment later.
            fits = "document.documentElement.scrollWidth <= window.innerWidth + 1"
            deadline = time.monotonic() + 5
            while not page.evaluate(fits) and time.monotonic() < deadline:
                page.wait_for_timeout(100)
            assert page.evaluate(fits), f"{name}: horizontal scroll on a phone"
        page.screenshot(path=str(SHOTS / f"launch-{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def person(browser, live_server, login: str):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.goto("/")
    page.get_by_label("Email").fill(f"{login}@{demo.DEMO_DOMAIN}")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_text("Good to see you").wait_for()
    return page


def wait_for(check, what: str, seconds: float = 60) -> None:
    """The worker processes events after commit: wait for what it does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"Timed out waiting for {what}")


def test_a_campaign_launch_ops_can_deliver_and_cs_can_explain(browser, live_server, celery_worker):
    call_command("seed_demo", "--deliveries", "3000", verbosity=0)
    today = timezone.localdate()

    # Marketing schedules a campaign in a zone.
    sofia = person(browser, live_server, "sofia")
    sofia.goto("/campaigns/")
    sofia.get_by_role("button", name="Plan a launch").click()
    sofia.get_by_label("Name").fill(NAME)
    sofia.get_by_label("Channel").select_option("email")
    sofia.get_by_label("Segment").fill("Downtown office workers")
    sofia.get_by_label("Downtown").check()
    sofia.get_by_label("Starts on").fill((today + timedelta(days=5)).isoformat())
    sofia.get_by_label("Ends on").fill((today + timedelta(days=19)).isoformat())
    sofia.get_by_label("Budget").fill("3000")
    sofia.get_by_label("Owner team").select_option(label="Marketing")
    sofia.get_by_label("Expected orders a day").fill("50")
    sofia.get_by_label("Services promoted").fill("Evening delivery 18–22h")
    sofia.get_by_label("What customers are told").fill("Evening slots downtown: 10% off.")
    shoot(sofia, "plan")
    sofia.get_by_role("button", name="Schedule the launch").click()
    sofia.get_by_test_id("campaign-status").filter(has_text="Scheduled").wait_for()
    campaign = Campaign.objects.get(name=NAME)

    # Ops, support and tech get their readiness handoffs (the worker opens the checklist).
    wait_for(lambda: ReadinessItem.objects.filter(plan__campaign=campaign).count() == 3, "items")
    sofia.reload()
    checklist = sofia.get_by_test_id("readiness")
    assert "Operations: capacity in Downtown (50 orders a day expected)" in checklist.inner_text()
    assert "Customer Support: brief and FAQ acknowledged" in checklist.inner_text()
    assert "Tech: promo codes confirmed working" in checklist.inner_text()

    # Generated codes notify ops.
    sofia.get_by_text("Generate codes in bulk").click()
    sofia.get_by_label("Pattern").fill("DT-EVE-###")
    sofia.get_by_label("How many").fill("8")
    sofia.locator("#id_gen-discount_percent").fill("10")
    sofia.get_by_role("button", name="Generate codes").click()
    sofia.get_by_text("8 promo codes created").wait_for()
    assert campaign.promo_codes.count() == 8

    # Going live before ops confirm is refused, with the reason.
    sofia.get_by_label("Move to").select_option("live")
    sofia.get_by_role("button", name="Change status").click()
    refusal = sofia.get_by_role("alert").filter(has_text="can't go live yet")
    refusal.wait_for()
    assert "Operations: capacity in Downtown" in refusal.inner_text()
    assert sofia.get_by_test_id("campaign-status").inner_text() == "Scheduled"
    shoot(sofia, "refused")

    # Ops: the handoff, with recent volume and on-time % in the zone next to the request.
    jonas = person(browser, live_server, "jonas")
    item = ReadinessItem.objects.get(plan__campaign=campaign, kind="capacity")
    jonas.goto("/handoffs/")
    jonas.get_by_role(
        "link", name=re.compile(f"Confirm capacity in Downtown for “{NAME}”")
    ).first.click()
    jonas.locator(f"a[href='/workflows/launches/items/{item.pk}/']").first.click()
    jonas.wait_for_url(f"**/workflows/launches/items/{item.pk}/")
    assert jonas.get_by_test_id("expected").inner_text() == "50"
    assert float(jonas.get_by_test_id("recent-volume").inner_text()) > 0
    assert jonas.get_by_test_id("recent-on-time").inner_text().endswith("%")
    shoot(jonas, "ops-capacity")
    jonas.get_by_label("Orders a day operations can take in this zone").fill("60")
    jonas.get_by_role("button", name="Confirm capacity").click()
    jonas.get_by_text("Confirmed; the campaign's checklist is updated.").wait_for()
    wait_for(
        lambda: Notification.objects.filter(
            recipient__username="jonas", title__startswith=f"New promo codes for “{NAME}”"
        ).exists(),
        "the codes' message in ops' inbox",
    )
    jonas.goto("/inbox/")
    assert jonas.get_by_text(f"New promo codes for “{NAME}”").first.is_visible()

    # Support acknowledges the brief and FAQ; tech confirms the codes.
    for login, kind, button in (
        ("tom", "brief", "We have read the brief and FAQ"),
        ("ravi", "codes", "The codes work"),
    ):
        other = person(browser, live_server, login)
        pk = ReadinessItem.objects.get(plan__campaign=campaign, kind=kind).pk
        other.goto(f"/workflows/launches/items/{pk}/")
        if kind == "brief":
            assert other.get_by_role("link", name="brief and FAQ").is_visible()
        other.get_by_role("button", name=button).click()
        other.get_by_text("Confirmed; the campaign's checklist is updated.").wait_for()
        assert other.console_errors == []
        other.context.close()

    # After the confirmations it goes live.
    sofia.reload()
    sofia.get_by_label("Move to").select_option("live")
    sofia.get_by_role("button", name="Change status").click()
    sofia.get_by_test_id("campaign-status").filter(has_text="Live").wait_for()
    assert sofia.locator("[data-testid=readiness-item][data-done=no]").count() == 0
    shoot(sofia, "live")

    # A logged campaign error shows in the KPIs.
    sofia.get_by_label("What happened").fill("Promo email went to the Northgate list")
    sofia.get_by_role("button", name="Log incident").click()
    sofia.get_by_text("Incident logged.").wait_for()
    assert Incident.objects.filter(campaign=campaign, kind="campaign_error").count() == 1
    sofia.goto("/kpis/m/campaign_errors/")
    row = sofia.locator("tr", has_text=NAME)
    row.first.wait_for()
    assert row.first.locator("td").nth(1).inner_text() not in ("0", "—", "")
    shoot(sofia, "kpi-campaign-errors")

    # A campaign of the demo company shows its numbers from the demo data.
    search = Campaign.objects.get(name="Same-day search ads")
    sofia.goto(f"/campaigns/{search.pk}/")
    cac = sofia.get_by_test_id("num-cac").inner_text()
    first_on_time = sofia.get_by_test_id("num-first-on-time").inner_text()
    promo_csat = sofia.get_by_test_id("num-promo-csat").inner_text()
    assert cac != "—" and float(cac.replace(",", "")) > 0
    assert first_on_time.endswith("%")
    assert promo_csat.endswith("/ 5")
    shoot(sofia, "demo-numbers")

    # The calendar, with ops capacity per zone.
    sofia.goto("/workflows/launches/calendar/")
    assert sofia.get_by_test_id("calendar").is_visible()
    shoot(sofia, "calendar")
    assert sofia.console_errors == []
    assert jonas.console_errors == []
