"""After the standup is set up, as people would do it in the browser: the admin changes the chair
order and pauses and resumes the series; a member puts an item on the agenda from a phone; the
chair passes the chair on for a week, runs the meeting, takes attendance and marks an action item
done; the next meeting shows what is still open."""

from datetime import UTC, datetime, time

import pytest
import time_machine

from hub.models import Role, Team
from standups import services
from standups.models import ActionItem, AgendaItem, Attendance, Meeting, Series
from tests.browser.test_every_page import AXE, AXE_RUN
from tests.browser.test_signin import sign_in
from tests.browser.test_standup_journey import DESKTOP, PHONE, no_horizontal_scroll, shot
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser]


def person(email: str, first: str, team: Team):
    user = UserFactory(email=email, first_name=first, last_name="Demo")
    MembershipFactory(user=user, team=team, role=Role.MEMBER)
    return user


def accessible(page) -> list[str]:
    page.add_script_tag(url=AXE)
    return page.evaluate(AXE_RUN)


@pytest.fixture
def monday():
    with time_machine.travel(datetime(2027, 6, 7, 11, 0, tzinfo=UTC), tick=True):
        yield


def test_changing_a_running_standup(browser, page, live_server, monday, admin_user, ops, marketing):
    support = Team.objects.create(name="Customer Support", slug="customer-support", kind="support")
    tech = Team.objects.create(name="Tech", slug="tech", kind="tech")
    marketer = person("mara@crossdock.test", "Mara", marketing)
    member = person("olli@crossdock.test", "Olli", ops)
    person("tess@crossdock.test", "Tess", tech)
    series = services.series_create(
        actor=admin_user,
        name="Weekly cross-team",
        teams=[marketing, ops, support, tech],
        start_time=time(10, 0),
        time_zone="UTC",
    )
    problems: list[str] = []

    # The admin puts Tech first in the chair order, then pauses and resumes the series.
    page.set_viewport_size(DESKTOP)
    sign_in(page, admin_user.email)
    page.wait_for_url("**/")
    page.set_viewport_size(PHONE)
    page.goto(f"/standups/series/{series.pk}/chairs/")
    assert no_horizontal_scroll(page)
    shot(page, "chairs-phone")
    page.set_viewport_size(DESKTOP)
    page.goto(series.get_absolute_url())
    page.get_by_role("button", name="Change the chair order").click()
    page.get_by_label("1st to chair").select_option(label="Tech")
    page.get_by_label("4th to chair").select_option(label="Marketing")
    problems += accessible(page)
    shot(page, "chairs-desktop")
    page.get_by_role("button", name="Save the chair order").click()
    page.wait_for_url(f"**{series.get_absolute_url()}")
    assert "New chair order saved" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("chairs").locator("tr").nth(1).inner_text().endswith("Tech")
    assert list(series.members.values_list("team__name", flat=True)) == [
        "Tech",
        "Operations",
        "Customer Support",
        "Marketing",
    ]
    page.get_by_role("button", name="Pause").click()
    page.get_by_test_id("paused").wait_for()
    assert not Series.objects.get(pk=series.pk).active
    assert not series.meetings.exists()
    shot(page, "paused-desktop")
    page.get_by_role("button", name="Resume").click()
    page.get_by_text("is running again").wait_for()
    assert series.meetings.count() == 4
    page.context.clear_cookies()

    meeting = series.meetings.order_by("scheduled_at").first()
    assert meeting.chair == tech

    # Tech is away this week: an admin passes the chair on to Operations.
    sign_in(page, admin_user.email)
    page.wait_for_url("**/")
    page.goto(meeting.get_absolute_url())
    page.get_by_text("Tech away this week?").click()
    page.get_by_role("button", name="Pass the chair to the next team").click()
    page.get_by_test_id("chair").filter(has_text="Operations").wait_for()
    page.context.clear_cookies()

    # Marketing puts an item on the agenda from a phone.
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    mobile = phone.new_page()
    sign_in(mobile, marketer.email)
    mobile.wait_for_url("**/")
    mobile.goto(meeting.get_absolute_url())
    mobile.get_by_label("Agenda item").fill("Holiday staffing for the December campaign")
    mobile.get_by_label("Team bringing it").select_option(label="Marketing")
    mobile.get_by_role("button", name="Add to the agenda").click()
    mobile.get_by_test_id("agenda").filter(has_text="Holiday staffing").wait_for()
    assert AgendaItem.objects.get().created_by == marketer
    assert no_horizontal_scroll(mobile)
    problems += accessible(mobile)
    shot(mobile, "agenda-phone")
    phone.close()

    # Operations chairs this week: it runs the meeting, adds an action item, takes attendance.
    sign_in(page, member.email)
    page.wait_for_url("**/")
    page.goto(f"/standups/meetings/{meeting.pk}/room/")
    page.get_by_role("button", name="Start the meeting").click()
    page.get_by_test_id("countdown").wait_for()
    page.get_by_label("Action item", exact=True).fill("Book two extra vans for December")
    page.get_by_label("Team", exact=True).select_option(label="Operations")
    page.get_by_role("button", name="Add action item").click()
    page.get_by_test_id("action-items").filter(has_text="extra vans").wait_for()
    page.get_by_role("button", name="Take attendance").click()
    page.wait_for_url(f"**/standups/meetings/{meeting.pk}/attendance/")
    form = page.get_by_test_id("attendance-form")
    form.get_by_role("group", name="Marketing").get_by_label("Mara Demo").check()
    form.get_by_role("group", name="Operations").get_by_label("Olli Demo").check()
    problems += accessible(page)
    shot(page, "attendance-desktop")
    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page)
    shot(page, "attendance-phone")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_url(f"**{meeting.get_absolute_url()}")
    attendance = page.get_by_test_id("attendance").inner_text()
    assert "Mara Demo" in attendance and "Olli Demo" in attendance
    assert "Marketing: Mara Demo\n" in attendance  # chair order: Tech, Ops, Support, Marketing
    assert "Absent: Tech, Customer Support" in attendance
    assert set(Attendance.objects.values_list("user__first_name", flat=True)) == {"Mara", "Olli"}

    # The action item is done: who and when are shown.
    page.get_by_role("button", name="Mark done: Book two extra vans for December").click()
    page.get_by_test_id("action-items").get_by_text("done", exact=True).wait_for()
    item = ActionItem.objects.get()
    assert item.done_by == member and item.done_at is not None
    assert "by Olli Demo" in page.get_by_test_id("action-items").inner_text()
    problems += accessible(page)
    shot(page, "meeting-done-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    assert no_horizontal_scroll(page)
    shot(page, "meeting-done-phone")

    # Reopened, it shows up again on next week's meeting page as still open.
    page.get_by_role("button", name="Reopen: Book two extra vans for December").click()
    page.get_by_role("button", name="Mark done: Book two extra vans for December").wait_for()
    following = (
        Meeting.objects.filter(series=series, scheduled_at__gt=meeting.scheduled_at)
        .order_by("scheduled_at")
        .first()
    )
    page.goto(following.get_absolute_url())
    assert "Book two extra vans" in page.get_by_test_id("carried-action-items").inner_text()
    assert page.console_errors == []
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(900)
def test_the_demo_standup_pages_fit_a_phone_and_pass_axe(browser, live_server):
    """SwiftDrop's standups (attendance, action items done and carried, an agenda item) on the
    series page, a past meeting and this week's meeting, at 1366 px and 390 px."""
    from hub import demo
    from hub.models import User
    from tests.browser.test_every_page import signed_in_context

    demo.load(deliveries=100)
    series = Series.objects.get(name="Weekly cross-team")
    past = series.meetings.filter(status=Meeting.Status.ENDED).order_by("-scheduled_at").first()
    upcoming = series.meetings.filter(status=Meeting.Status.SCHEDULED).order_by("scheduled_at")[0]
    pages = {
        "demo-series": series.get_absolute_url(),
        "demo-past-meeting": past.get_absolute_url(),
        "demo-this-week": upcoming.get_absolute_url(),
    }
    maya = User.objects.get(username="maya")
    problems: list[str] = []
    for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = signed_in_context(browser, live_server, maya, viewport)
        page = context.new_page()
        for name, url in pages.items():
            assert page.goto(url).status == 200, url
            if device == "phone" and not no_horizontal_scroll(page):
                problems.append(f"phone {url}: scrolls sideways")
            problems += [f"{device} {url}: {v}" for v in accessible(page)]
            shot(page, f"{name}-{device}")
            if name == "demo-series":
                stat = page.get_by_test_id("history").locator("article").first.inner_text()
                assert stat.startswith("Attendance") and "%" in stat
            elif name == "demo-past-meeting":
                # The chair's team is always there (the demo's rule).
                assert past.chair.name in page.get_by_test_id("attendance").inner_text()
            else:
                assert page.get_by_test_id("carried-action-items").locator("li").count() == 2
                assert "Holiday staffing" in page.get_by_test_id("agenda").inner_text()
        context.close()
    assert problems == [], "\n".join(problems)
