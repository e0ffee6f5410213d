"""Issue #13's journey in real Chromium: a marketer writes a campaign plan from the template and
mentions @Operations; ops is told and signs off capacity; support comments on a passage; a stale
save is refused with both versions kept; search finds the page; a script in the body stays
inert for another reader; an overdue page records wiki.page.stale and reminds its owners."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from handoffs import services as handoff_services
from handoffs.models import Alert
from hub import events
from hub.models import Event, Notification, Role, Team
from tests.browser.test_signin import sign_in
from tests.factories import MembershipFactory, UserFactory
from wiki import services
from wiki.models import ConflictCopy, Page

pytestmark = pytest.mark.browser

SHOTS = Path("var/screenshots")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def person(browser, live_server, user, viewport=DESKTOP):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    sign_in(page, user.email)
    page.wait_for_url("**/")
    return page


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name} scrolls sideways ({width}px)"


def deliver_alerts() -> None:
    """What the worker does with the outbox: deliver each pending alert (the task's body)."""
    for alert_id in Alert.objects.filter(status="pending").values_list("pk", flat=True):
        handoff_services.alert_send(alert_id)


def test_campaign_plan_journey(browser, live_server, manager, marketing, ops, transactional_db):
    support = Team.objects.create(name="Customer Support", slug="customer-support", kind="support")
    jonas = UserFactory(email="jonas@crossdock.test", username="jonas", first_name="Jonas")
    MembershipFactory(user=jonas, team=ops, role=Role.MEMBER)
    carmen = UserFactory(email="carmen@crossdock.test", username="carmen", first_name="Carmen")
    MembershipFactory(user=carmen, team=support, role=Role.MEMBER)

    # The marketer creates a campaign plan from the template.
    priya = person(browser, live_server, manager)
    priya.goto("/wiki/")
    priya.get_by_role("link", name="Campaign plan").click()
    priya.get_by_label("Title").fill("Harbour spring promo")
    priya.get_by_label("Space").select_option(label="Shared")
    priya.get_by_role("button", name="Create page").click()
    priya.wait_for_url("**/edit/")
    plan = Page.objects.get(title="Harbour spring promo")
    assert plan.template == "campaign_plan"
    assert plan.owner_team == marketing

    # She fills it in with the live preview, mentioning @Operations.
    body = priya.get_by_label("Text", exact=True)
    text = body.input_value() + (
        "\nKumquat-flavoured leaflets in the Harbour zone. @Operations can you cover 300 drops?\n"
    )
    body.fill(text)
    preview = priya.get_by_test_id("preview")
    preview.get_by_text("Kumquat-flavoured leaflets").wait_for()
    assert preview.locator("table").count() == 1
    assert preview.locator("input[type=checkbox]").count() == 3
    shoot(priya, "docs-editor-desktop")
    priya.get_by_role("button", name="Save").click()
    priya.get_by_text("Saved as revision 2.").wait_for()
    shoot(priya, "docs-page-desktop")

    # Operations is told, through the outbox, once.
    alerts = Alert.objects.filter(channel__team=ops, subject__contains="mentioned @Operations")
    assert alerts.count() == 1
    deliver_alerts()
    assert Notification.objects.filter(recipient=jonas, title__contains="@Operations").exists()

    # The marketer opens the editor again (based on revision 2) and keeps typing …
    priya.get_by_role("button", name="Edit", exact=True).click()
    priya.get_by_label("Text", exact=True).fill(
        Page.objects.get(pk=plan.pk).body + "\nBudget: 4,000 € on leaflets.\n"
    )

    # … while ops follows the inbox link and signs off the capacity section.
    ops_page = person(browser, live_server, jonas)
    ops_page.goto("/inbox/")
    ops_page.get_by_role("link", name="mentioned @Operations").first.click()
    ops_page.get_by_role("button", name="Edit", exact=True).click()
    ops_text = ops_page.get_by_label("Text", exact=True)
    ops_text.fill(
        ops_text.input_value()
        .replace("Capacity notes:", "Capacity notes: 9 drivers booked for Harbour, 300 drops OK.")
        .replace("- [ ] Driver capacity confirmed", "- [x] Driver capacity confirmed")
    )
    ops_page.get_by_label("What changed").fill("Capacity signed off")
    ops_page.get_by_role("button", name="Save").click()
    ops_page.get_by_text("Saved as revision 3.").wait_for()

    # The marketer's save is now based on an old revision: refused, both versions kept.
    priya.get_by_role("button", name="Save").click()
    conflict = priya.get_by_test_id("conflict")
    conflict.wait_for()
    assert "someone changed this page while you were editing" in conflict.inner_text()
    shoot(priya, "docs-conflict-desktop")
    plan.refresh_from_db()
    assert "9 drivers booked" in plan.body
    assert "Budget: 4,000" not in plan.body
    copy = ConflictCopy.objects.get(page=plan, author=manager)
    assert "Budget: 4,000" in copy.body
    # She merges: the editor opens with her text, based on revision 3.
    priya.get_by_role("link", name="merge your changes into the latest version").click()
    merged = priya.get_by_label("Text", exact=True)
    merged.fill(plan.body + "\nBudget: 4,000 € on leaflets.\n")
    priya.get_by_role("button", name="Save").click()
    priya.get_by_text("Saved as revision 4.").wait_for()
    plan.refresh_from_db()
    assert "9 drivers booked" in plan.body
    assert "Budget: 4,000" in plan.body

    # Customer support comments on a passage.
    carmen_page = person(browser, live_server, carmen, viewport=PHONE)
    carmen_page.goto(plan.get_absolute_url())
    carmen_page.get_by_label("Comment", exact=True).fill(
        "What do we tell customers outside Harbour who got the leaflet?"
    )
    carmen_page.get_by_label("On the passage").fill("Which zones can order?")
    carmen_page.get_by_role("button", name="Comment", exact=True).click()
    carmen_page.get_by_text("Comment added.").wait_for()
    assert carmen_page.get_by_test_id("comment").count() == 1
    shoot(carmen_page, "docs-page-phone")

    # Search finds the page by a word in its body, highlighted.
    priya.goto("/wiki/search/?q=kumquat")
    assert priya.get_by_test_id("hit-count").inner_text() == "1 page found"
    assert priya.locator(".search-hits mark").first.inner_text().lower().startswith("kumquat")
    shoot(priya, "docs-search-desktop")

    # A script or an event handler in the body is inert for another reader.
    hostile = (
        "Harmless text.\n\n<script>window.__owned = 1; alert('script')</script>\n\n"
        '<img src="/static/img/favicon.svg" onerror="alert(\'img\')" onload="alert(\'load\')">\n\n'
        '<img src="x-missing.png" onerror="window.__owned = 2; alert(\'onerror\')">\n\n'
        "[click me](javascript:alert('link'))\n"
    )
    plan.refresh_from_db()
    services.page_save(
        actor=manager, page=plan, title=plan.title, body=plan.body + hostile, base_number=4
    )
    carmen_page.goto(plan.get_absolute_url())
    carmen_page.get_by_text("Harmless text.").wait_for()
    carmen_page.wait_for_timeout(500)
    assert carmen_page.dialogs == []
    assert carmen_page.evaluate("window.__owned") is None
    assert carmen_page.locator("#page-body script").count() == 0
    handlers = carmen_page.evaluate(
        """() => [...document.querySelectorAll('#page-body *')].flatMap(el =>
             [...el.attributes].filter(a => a.name.startsWith('on') ||
               /^\\s*javascript:/i.test(a.value)).map(a => a.name))"""
    )
    assert handlers == []
    assert carmen_page.locator("#page-body img").count() == 2  # the images stay, inert
    shoot(carmen_page, "docs-inert-phone")

    # The company runs the ready-made rule "Doc gone stale → remind its owners".
    admin = UserFactory(username="ada", email="ada@crossdock.test")
    MembershipFactory(user=admin, team=ops, role=Role.ADMIN)
    stale_rule = handoff_services.rule_from_template(actor=admin, key="doc_stale")
    handoff_services.rule_set_enabled(actor=admin, rule=stale_rule, enabled=True)
    # The plan's review date passes: beat records wiki.page.stale and the rule reminds owners.
    later = timezone.now() + timedelta(days=plan.review_every_days + 1)
    with time_machine.travel(later, tick=False):
        recorded = services.pages_mark_stale()
        assert [e.type for e in recorded] == ["wiki.page.stale"]
        assert services.pages_mark_stale() == []  # once per due date
        events.process(recorded[0].pk)
    event = Event.objects.get(type="wiki.page.stale")
    assert event.payload["owner_team"] == "Marketing"
    assert event.status == "processed"
    reminder = Alert.objects.get(
        channel__team=marketing, subject="Review due: Harbour spring promo"
    )
    handoff_services.alert_send(reminder.pk, now=later)
    assert Notification.objects.filter(recipient=manager, title__startswith="Review due").exists()
    # Overdue is shown on the page too (set here as the clock would have it).
    Page.objects.filter(pk=plan.pk).update(reviewed_at=timezone.now() - timedelta(days=30))
    priya.goto(plan.get_absolute_url())
    priya.get_by_test_id("overdue").wait_for()
    shoot(priya, "docs-overdue-desktop")
    # The docs home says which rule reminds the owners of pages due for review.
    priya.goto("/wiki/")
    stale = priya.get_by_test_id("stale-rule")
    assert "“Doc gone stale → remind its owners” reminds the team" in stale.inner_text()
    shoot(priya, "docs-home-desktop")
    carmen_page.goto("/wiki/")
    shoot(carmen_page, "docs-home-phone")
    for p in (priya, ops_page, carmen_page):
        assert p.dialogs == []
        p.context.close()
