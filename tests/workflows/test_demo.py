"""SwiftDrop's map and pilots: one adopted with its write-up page, one whose review is on the
next weekly standup."""

from django.core.management import call_command

from hub.models import Event
from standups.models import AgendaItem
from wiki import selectors as wiki_selectors
from workflows.models import Pilot


def test_demo_pilots_have_write_ups_and_a_review_on_the_standup(db):
    call_command("seed_demo", "--deliveries", "300", verbosity=0)
    adopted = Pilot.objects.get(title="Every promo code notifies ops")
    assert adopted.decision == "adopt"
    page = wiki_selectors.page_get(adopted.writeup_page_id)
    assert "ops sees every code before the first order uses it" in page.body
    review = Pilot.objects.get(title="Support's weekly digest of what customers say")
    assert review.status == "review"
    event = Event.objects.get(type="workflows.pilot.review_due", payload__pilot_id=review.pk)
    item = AgendaItem.objects.get(event=event)
    assert item.title == f"Pilot review: {review.title}"
    assert item.meeting.status != "ended"
