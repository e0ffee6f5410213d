"""SwiftDrop's drivers and surveys in Chromium: the home page's survey block, the drivers page
(learned from Onfleet) and a driver survey's settings, on a desktop and a phone, with no
serious accessibility finding. Screenshots go to var/screenshots/."""

import pytest
from django.core.management import call_command

from feedback import services
from feedback.models import Survey
from hub.models import User
from tests.browser.test_every_page import AXE, AXE_RUN, OVERFLOW, PHONE, signed_in_context
from tests.browser.test_feedback_journey import DESKTOP, SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page, url: str, name: str, device: str) -> None:
    answer = page.goto(url)
    assert answer is not None and answer.status == 200, url
    if device == "phone":
        overflow = page.evaluate(OVERFLOW)
        assert overflow["scroll"] <= overflow["width"] + 1, (url, overflow)
    page.screenshot(path=str(SHOTS / f"feedback-{name}-{device}.png"), full_page=True)
    page.add_script_tag(url=AXE)
    assert page.evaluate(AXE_RUN) == [], url


@pytest.mark.timeout(900)
def test_home_block_drivers_page_and_driver_survey(browser, live_server):
    call_command("seed_demo", "--deliveries", "3000", verbosity=0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    pulse = Survey.objects.get(template_key="staff_pulse")
    services.survey_send(actor=None, survey=pulse, round="browser-test")
    driver_survey = Survey.objects.get(template_key="driver_monthly")
    omar = User.objects.get(username="omar")  # operations manager
    token = pulse.invitations.get(email=omar.email).token

    for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = signed_in_context(browser, live_server, omar, viewport)
        page = context.new_page()
        errors = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)

        check(page, "/", "home", device)
        block = page.get_by_test_id("feedback-home")
        assert (
            block.get_by_role("link", name=f"Answer “{pulse.title}”").get_attribute("href")
            == f"/s/{token}/"
        )
        assert "/ 5" in block.get_by_test_id("feedback-recent").inner_text()

        check(page, "/drivers/", "drivers", device)
        assert page.get_by_test_id("drivers").locator("tbody tr").count() == 12
        assert page.get_by_role("heading", name="Add a driver").is_visible()
        page.get_by_role("link", name="Marco Silva").click()
        check(page, page.url, "driver-edit", device)
        assert page.get_by_label("Email").input_value() == "marco.driver@swiftdrop.example"

        check(page, f"/feedback/{driver_survey.pk}/", "driver-survey", device)
        assert page.get_by_label("Drivers invited").input_value() == "all"
        assert page.locator("input[name=drivers]").count() == 12
        assert errors == []
        context.close()
