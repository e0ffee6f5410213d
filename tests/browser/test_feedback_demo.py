"""SwiftDrop's year of feedback, read by a member on a desktop and a phone."""

import pytest
from django.core.management import call_command

from feedback.models import Survey
from hub import demo
from tests.browser.test_feedback_journey import DESKTOP, PHONE, no_horizontal_scroll, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_reads_a_year_of_feedback(page):
    call_command("seed_demo", "--deliveries", "3000", verbosity=0)
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    page.get_by_label("Email").fill("jonas@swiftdrop.example")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_text("Good to see you").wait_for()

    page.goto("/feedback/")
    assert page.get_by_role("link", name="Monthly pulse: cross-team communication").is_visible()
    assert page.locator(".themes-table tbody tr").count() >= 3
    shot(page, "index-desktop")

    pulse = Survey.objects.get(template_key="staff_pulse")
    page.goto(f"/feedback/{pulse.pk}/results/", wait_until="domcontentloaded")
    page.locator("[data-figure=fig-trend] svg.main-svg").first.wait_for()
    shot(page, "pulse-results-desktop")

    nps = Survey.objects.get(template_key="customer_nps")
    page.goto(f"/feedback/{nps.pk}/results/", wait_until="domcontentloaded")
    page.locator("[data-figure=fig-trend] svg.main-svg").first.wait_for()
    assert "promoters" in page.get_by_test_id("score").locator("..").inner_text()
    page.set_viewport_size(PHONE)
    page.reload(wait_until="domcontentloaded")
    page.locator("[data-figure=fig-trend] svg.main-svg").first.wait_for()
    assert no_horizontal_scroll(page)
    shot(page, "nps-results-phone")
    page.goto("/feedback/")
    assert no_horizontal_scroll(page)
    shot(page, "index-phone")
    assert page.console_errors == []
