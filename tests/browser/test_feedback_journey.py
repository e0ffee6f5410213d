"""Issue #11's journey: a manager creates the post-delivery CSAT from its template; a completed
delivery of a customer sends the invitation email through a real worker; the customer answers on
a phone; the low score hands the customer to support; no reminder follows the answer; the
results page shows it. Screenshots (desktop 1366 px, phone 390 px) go to var/screenshots/."""

from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from feedback import services
from feedback.models import Invitation, Survey
from handoffs.models import Alert, Handoff, Integration
from hub.models import Customer, Role, Team, Zone
from tests import workers
from tests.browser.test_signin import sign_in
from tests.factories import MembershipFactory, UserFactory
from tests.handoffs import payloads
from tests.handoffs.payloads import dumps

pytestmark = [pytest.mark.browser, pytest.mark.worker]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"feedback-{name}.png"), full_page=True)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_post_delivery_csat_end_to_end(
    page, browser, live_server, admin_user, manager, ops, smtp, tmp_path, transactional_db
):
    support = Team.objects.create(name="Customer Support", slug="customer-support", kind="support")
    carmen = UserFactory(email="carmen@crossdock.test", first_name="Carmen")
    MembershipFactory(user=carmen, team=support, role=Role.MEMBER)
    zone = Zone.objects.create(code="downtown", name="Downtown", dispatch_team_id="team_downtown")
    Customer.objects.create(
        name="Ana Ruiz", email="ana@mail.example", dispatch_id="rcp_ana", zone=zone
    )
    onfleet = Integration.objects.create(
        name="Onfleet", kind="onfleet", secret=payloads.ONFLEET_SECRET
    )
    page.set_viewport_size(DESKTOP)

    workers.purge_queue()
    worker = workers.start_worker(
        tmp_path / "worker.log", SITE_URL=live_server.url, EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}"
    )
    try:
        # The manager creates the post-delivery CSAT from its template and opens it.
        sign_in(page, manager.email)
        page.wait_for_url("**/")
        page.goto("/feedback/")
        page.get_by_role("button", name="Post-delivery customer CSAT").click()
        page.get_by_role("button", name="Open the survey").click()
        assert page.get_by_test_id("status").inner_text() == "Active"
        survey = Survey.objects.get()
        shot(page, "survey-desktop")

        # The admin's rules: a completed delivery sends it; a low score goes to support.
        services.rule_survey_after_delivery(actor=admin_user, survey=survey, enable=True)
        services.rule_low_score_to_support(actor=admin_user, enable=True)

        # Onfleet reports the delivery completed: the invitation reaches the customer.
        body = dumps(payloads.onfleet_task_event(task_id="task-ana", recipient_id="rcp_ana"))
        posted = requests.post(
            f"{live_server.url}/hooks/{onfleet.token}/",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Onfleet-Signature": payloads.onfleet_headers(body)["HTTP_X_ONFLEET_SIGNATURE"],
            },
            timeout=10,
        )
        assert posted.status_code == 200
        workers.wait_for(lambda: len(smtp.messages) >= 1, timeout=30)
        assert smtp.messages[0]["to"] == ["ana@mail.example"]
        text = smtp.texts()[0]
        link = next(line.split(": ", 1)[1] for line in text.splitlines() if "/s/" in line)
        assert link.startswith(f"{live_server.url}/s/") and "unsubscribe" not in link
        assert smtp.messages[0]["message"]["List-Unsubscribe"]

        # The customer answers on a phone, signed out.
        phone = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
        customer_page = phone.new_page()
        errors: list[str] = []
        customer_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        customer_page.goto(link)
        why = customer_page.get_by_role("group", name="What could we have done better?")
        assert why.is_hidden()  # skip logic: only after a low score
        customer_page.locator(".scale-option", has_text="1").first.click()
        assert why.is_visible()
        customer_page.get_by_label("Arrived late").check()
        customer_page.get_by_label("Anything else you want us to know?").fill(
            "Two hours late and nobody told me."
        )
        assert no_horizontal_scroll(customer_page)
        shot(customer_page, "answer-phone")
        customer_page.get_by_role("button", name="Send my answers").click()
        customer_page.get_by_role("heading", name="Thank you!").wait_for()
        shot(customer_page, "thanks-phone")
        assert errors == []
        customer_page.goto(link)  # answered: 410 Gone, with a page that says so
        assert customer_page.get_by_role("heading", name="Already answered").is_visible()
        phone.close()

        # The low score hands the customer to support.
        handoff = workers.wait_for(lambda: Handoff.objects.filter(team=support).first())
        assert handoff.title == "Low CSAT (1/5) from Ana Ruiz"

        # No reminder after the answer.
        assert Invitation.objects.get().answered_at is not None
        assert services.reminders_send(now=timezone.now() + timedelta(days=4)) == 0
        assert not Alert.objects.filter(subject__startswith="Reminder:").exists()

        # The results page shows it, on a desktop and on a phone.
        page.goto(f"/feedback/{survey.pk}/results/", wait_until="domcontentloaded")
        assert page.get_by_test_id("responses").inner_text() == "1"
        assert page.get_by_test_id("response-rate").inner_text() == "100.0%"
        assert "Two hours late and nobody told me." in page.get_by_test_id("answer").inner_text()
        page.locator(
            "#fig-distribution + *, [data-figure=fig-distribution] .main-svg"
        ).first.wait_for()
        shot(page, "results-desktop")
        page.set_viewport_size(PHONE)
        page.reload(wait_until="domcontentloaded")
        page.locator("[data-figure=fig-distribution] svg.main-svg").first.wait_for()
        assert no_horizontal_scroll(page)
        shot(page, "results-phone")
        assert page.console_errors == []
    finally:
        workers.stop_worker(worker)
