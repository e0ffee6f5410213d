"""Issue #12's journey, as a new user would try it: an admin sets up the weekly standup, teams
post their updates (one from a phone), the team that hasn't posted is reminded, the chair runs
the meeting in the room view, a blocker becomes a handoff to Operations, the summary reaches
every team's channel, and next month the chair moves to the next team."""

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from handoffs import services as handoff_services
from handoffs.models import Alert, Channel, Handoff
from hub.models import Notification, Role, Team
from standups import schedule, selectors
from standups import services as standup_services
from standups.models import Meeting, Series
from tests.browser.test_signin import sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"standups-{name}.png"), full_page=True)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def send_outbox() -> None:
    for _ in range(5):
        pending = list(Alert.objects.filter(status="pending").values_list("pk", flat=True))
        if not pending:
            return
        for pk in pending:
            handoff_services.alert_send(pk)


def person(email: str, first: str, team: Team):
    user = UserFactory(email=email, first_name=first)
    MembershipFactory(user=user, team=team, role=Role.MEMBER)
    return user


@pytest.fixture
def monday():
    """A Monday morning, ahead of the browser's own clock so its session cookies stay valid;
    the first meeting (Tuesday) falls in the month the rotation starts."""
    with time_machine.travel(datetime(2027, 6, 7, 11, 0, tzinfo=UTC), tick=True):
        yield


def test_weekly_standup_journey(browser, page, live_server, monday, admin_user, ops, marketing):
    support = Team.objects.create(name="Customer Support", slug="customer-support", kind="support")
    tech = Team.objects.create(name="Tech", slug="tech", kind="tech")
    marketer = person("mara@crossdock.test", "Mara", marketing)
    member = person("olli@crossdock.test", "Olli", ops)
    agent = person("sam@crossdock.test", "Sam", support)
    engineer = person("tess@crossdock.test", "Tess", tech)
    for team in (marketing, ops, support, tech):
        Channel.objects.create(
            team=team, kind="email", name=f"{team.name} email", target=f"{team.slug}@crossdock.test"
        )

    # The admin sets up the weekly series: Tuesdays 10:00, 20 minutes, four teams in chair order.
    page.set_viewport_size(DESKTOP)
    sign_in(page, admin_user.email)
    page.wait_for_url("**/")
    page.goto("/standups/")
    page.get_by_role("button", name="Set up a standup").click()
    page.get_by_label("Name").fill("Weekly cross-team")
    page.get_by_label("Weekday").select_option(label="Tuesday")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Minutes").fill("20")
    page.get_by_label("Time zone").select_option("UTC")
    for name in ("Marketing", "Operations", "Customer Support", "Tech"):
        page.get_by_label(name, exact=True).check()
    page.get_by_label("Chair order").fill("Marketing, Operations, Customer Support, Tech")
    page.get_by_role("button", name="Create the standup").click()
    page.wait_for_url("**/standups/series/*/")
    series = Series.objects.get()
    assert series.meetings.count() == 4
    chairs = page.get_by_test_id("chairs").inner_text()
    assert "Marketing" in chairs and "Operations" in chairs
    shot(page, "series-desktop")
    page.context.clear_cookies()

    meeting = series.meetings.order_by("scheduled_at").first()
    assert meeting.chair == marketing

    # Operations posts from a desktop browser.
    sign_in(page, member.email)
    page.wait_for_url("**/")
    page.get_by_role("button", name="Post Operations's update").click()
    page.get_by_label("Top win this week").fill("Zone 4 evening slots opened")
    page.get_by_label("Hours on cross-team firefighting this week").fill("3.5")
    page.get_by_role("button", name="Post the update").click()
    page.wait_for_url(f"**{meeting.get_absolute_url()}")
    assert "Zone 4 evening slots opened" in page.get_by_test_id("update-operations").inner_text()
    page.context.clear_cookies()

    # Marketing posts from a phone, with a blocker that needs Operations.
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    mobile = phone.new_page()
    sign_in(mobile, marketer.email)
    mobile.wait_for_url("**/")
    mobile.goto(selectors.update_url(meeting, marketing))
    mobile.get_by_label("Top win this week").fill("Referral campaign beat its target by 18%")
    mobile.get_by_label("Hours on cross-team firefighting this week").fill("6")
    mobile.get_by_label(re.compile(r"^Blocker 1")).fill("Promo codes missing in Onfleet")
    mobile.get_by_label("Team blocker 1 needs").select_option(label="Operations")
    assert no_horizontal_scroll(mobile)
    shot(mobile, "update-phone")
    mobile.get_by_role("button", name="Post the update").click()
    mobile.wait_for_url(f"**{meeting.get_absolute_url()}")
    assert (
        "Promo codes missing in Onfleet" in mobile.get_by_test_id("update-marketing").inner_text()
    )
    assert no_horizontal_scroll(mobile)
    shot(mobile, "meeting-phone")

    # The blocker became a handoff to Operations, from Marketing, with the standup as source.
    handoff = Handoff.objects.get()
    assert (handoff.team, handoff.from_team) == (ops, marketing)
    assert handoff.link == meeting.get_absolute_url()

    # Tech posts through the API-backed service path; Customer Support forgets.
    standup_services.update_post(
        meeting=meeting, team=tech, author=engineer, win_1="HubSpot sync every 5 minutes"
    )

    # The day before, the reminder reaches only the team that hasn't posted.
    assert meeting.scheduled_at - timezone.now() < timedelta(hours=24)
    assert standup_services.reminders_send(now=timezone.now()) == 1
    send_outbox()
    reminder = Notification.objects.get(recipient=agent, title__startswith="Post")
    assert reminder.title.startswith("Post Customer Support's standup update")
    assert any(m.to == ["customer-support@crossdock.test"] for m in mail.outbox)
    assert not Notification.objects.filter(recipient=member, title__startswith="Post").exists()

    # The chair (Marketing, this month) runs the meeting in the room view.
    mobile.goto(f"/standups/meetings/{meeting.pk}/room/")
    mobile.get_by_role("button", name="Start the meeting").click()
    countdown = mobile.get_by_test_id("countdown")
    countdown.wait_for()
    assert mobile.get_by_test_id("current-team").inner_text() == "Marketing"
    assert no_horizontal_scroll(mobile)
    shot(mobile, "room-phone")
    phone.close()

    sign_in(page, marketer.email)
    page.wait_for_url("**/")
    page.goto(f"/standups/meetings/{meeting.pk}/room/")
    first = page.get_by_test_id("countdown").inner_text()
    assert first.startswith(("5:", "4:"))  # 20 minutes over four teams
    page.get_by_role("button", name="+1 minute").click()
    expect(page.get_by_test_id("countdown")).to_have_text(re.compile(r"^[56]:"))
    page.get_by_role("button", name="Next team").click()
    page.get_by_test_id("current-team").filter(has_text="Operations").wait_for()
    page.get_by_label("Decision", exact=True).fill("Every promo code goes through the handoff rule")
    page.get_by_role("button", name="Add decision").click()
    page.get_by_test_id("decisions").filter(has_text="handoff rule").wait_for()
    page.get_by_label("Action item", exact=True).fill("Sync promo codes to Onfleet nightly")
    page.get_by_label("Team", exact=True).select_option(label="Operations")
    page.get_by_label("Person").select_option(label=str(member))
    page.get_by_label("Due").fill((timezone.localdate() + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Add action item").click()
    page.get_by_test_id("action-items").filter(has_text="nightly").wait_for()
    shot(page, "room-desktop")
    page.get_by_role("button", name="End and send the summary").click()
    page.wait_for_url(f"**{meeting.get_absolute_url()}")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ENDED and meeting.duration_minutes is not None
    page.get_by_text("The meeting's record").click()
    summary = page.get_by_test_id("summary").inner_text()
    assert "Every promo code goes through the handoff rule" in summary
    assert "Marketing needs Operations: Promo codes missing in Onfleet [open]" in summary
    shot(page, "meeting-desktop")
    assert page.console_errors == []

    # The summary reaches every team's channel (inbox and email), once.
    mail.outbox.clear()
    send_outbox()
    summaries = Alert.objects.filter(subject__startswith="Standup summary")
    assert set(summaries.values_list("channel__team__name", flat=True)) == {
        "Marketing",
        "Operations",
        "Customer Support",
        "Tech",
    }
    assert {m.to[0] for m in mail.outbox if m.subject.startswith("Standup summary")} == {
        "marketing@crossdock.test",
        "operations@crossdock.test",
        "customer-support@crossdock.test",
        "tech@crossdock.test",
    }

    # Next month the chair moves to the next team in the order, and everyone is told.
    next_month = schedule.add_months(schedule.month_start(timezone.localdate()), 1)
    assert selectors.chair_for(series, next_month) == ops
    first_of_month = datetime.combine(next_month, time(6, 0), tzinfo=UTC)
    standup_services.meetings_generate(now=first_of_month)
    standup_services.chairs_announce(now=first_of_month)
    announced = Alert.objects.filter(subject__startswith="Operations chairs")
    assert announced.values("channel__team").distinct().count() == 4  # inbox and email each
    later = series.meetings.filter(scheduled_at__gte=first_of_month).order_by("scheduled_at")
    assert later.first().chair == ops
