"""A manager reads the shared dashboard and runs the monthly review to the end."""

import pytest
from django.core.management import call_command

from handoffs.models import Handoff
from hub import demo
from kpis.models import Review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reads_kpis_and_closes_the_monthly_review(page):
    call_command("seed_demo", "--deliveries", "3000", verbosity=0)
    page.goto("/")
    page.get_by_label("Email").fill("elena@swiftdrop.example")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_text("Good to see you").wait_for()
    assert page.get_by_test_id("off-target").is_visible()

    page.goto("/kpis/?period=last_month")
    on_time = page.get_by_test_id("value-on_time").inner_text()
    assert on_time.endswith("%") and on_time != "—"
    assert page.get_by_test_id("change-on_time").inner_text().endswith("pp")
    page.locator("[data-figure] svg.main-svg").first.wait_for()  # plotly drew the trend
    assert page.get_by_test_id("value-cac").inner_text() != "—"

    page.get_by_role("link", name="On-time deliveries").first.click()
    assert "Delivered within the promised window" in page.get_by_test_id("formula").inner_text()

    page.goto("/kpis/reviews/")
    page.get_by_role("button", name="Open the review").click()
    page.get_by_label("Decisions").fill("Hire two drivers for Northgate before the next campaign.")
    page.get_by_role("button", name="Save notes").click()
    page.get_by_label("Team", exact=True).select_option(label="Operations")
    page.get_by_label("What needs doing").fill("Hire two Northgate drivers")
    page.get_by_role("button", name="Hand it to the team").click()
    page.get_by_label("Notes").fill("Typed just before closing, never saved on its own.")
    page.get_by_label("Freeze these numbers").check()
    page.get_by_role("button", name="Close and share the review").click()
    assert page.get_by_test_id("review-status").inner_text() == "Closed"

    page.get_by_role("button", name="Printable page").click()
    assert "Hire two drivers" in page.get_by_test_id("decisions").inner_text()
    assert page.pdf()[:4] == b"%PDF"  # the printable page exports to PDF
    review = Review.objects.get()
    assert review.snapshot["kpis"]
    assert review.notes == "Typed just before closing, never saved on its own."
    assert Handoff.objects.filter(title__startswith="From the").count() == 1
    assert page.console_errors == []
