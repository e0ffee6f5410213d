"""Commenting on another team's handoff in a real browser, on a desktop and on a phone: the
comment lands in the timeline, an empty one is refused in words next to the field, the page
passes axe and fits the phone. Screenshots go to CROSSDOCK_SCREENSHOTS (``make screenshots``)
or the test's own folder."""

import os
import re
from pathlib import Path

import pytest

from handoffs import services
from handoffs.models import Alert, HandoffComment
from tests.browser.test_every_page import AXE, AXE_RUN, DESKTOP, OVERFLOW, PHONE, signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("device", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_someone_outside_the_team_comments_on_a_handoff(
    device, viewport, browser, live_server, manager, member, ops, tmp_path
):
    folder = Path(os.environ.get("CROSSDOCK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    handoff = services.handoff_create(
        team=ops, title="Confirm Saturday capacity in Riverside", body="Budget doubles."
    )
    context = signed_in_context(browser, live_server, manager, viewport)
    page = context.new_page()
    page.goto(handoff.get_absolute_url())
    assert page.get_by_role("button", name="Acknowledge").count() == 0

    # Nothing typed: refused next to the field, nothing saved.
    page.get_by_role("button", name="Comment", exact=True).click()
    assert page.locator("#comment-error").inner_text() == "Write something to comment."
    assert not HandoffComment.objects.exists()

    page.get_by_label("Comment", exact=True).fill(
        "We can add 40 drops if vans come from Northgate."
    )
    page.get_by_role("button", name="Comment", exact=True).click()
    page.wait_for_url(re.compile(rf".*{handoff.get_absolute_url()}#comment-\d+$"))
    comment = HandoffComment.objects.get()
    entry = page.locator(f"#comment-{comment.pk}")
    assert "We can add 40 drops if vans come from Northgate." in entry.inner_text()
    assert manager.display_name in entry.inner_text()
    assert Alert.objects.filter(recipient=member).exists()
    entry.scroll_into_view_if_needed()
    page.screenshot(path=str(folder / f"{device}-handoff-comment.png"), full_page=True)

    overflow = page.evaluate(OVERFLOW)
    assert overflow["scroll"] <= overflow["width"] + 1, overflow
    page.add_script_tag(url=AXE)
    assert page.evaluate(AXE_RUN) == []
    context.close()
