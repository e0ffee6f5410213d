"""The monthly review's sections come from the modules that own them, and freeze with it."""

from datetime import date, timedelta

from django.utils import timezone

from kpis import registry, services
from kpis.models import Review


def last_month() -> date:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def test_every_module_section_is_on_the_review_page(client_for, manager):
    month = last_month()
    services.review_open(actor=manager, month=month)
    page = client_for(manager).get(f"/kpis/reviews/{month:%Y-%m}/").content.decode()

    for key, empty in [
        ("standups.blockers", "No open or recurring blockers this month."),
        ("feedback.themes", "No survey answers this month."),
        ("workflows.pilots", "No pilot ran this month."),
    ]:
        assert f'data-testid="review-section-{key}"' in page
        assert empty in page
    assert "has not landed yet" not in page


def test_a_section_is_frozen_with_the_review(client_for, manager):
    month = last_month()
    said = {"text": "Ops needs Marketing: promo list a day earlier"}
    registry.register_review_section(
        registry.ReviewSection("tests.blockers", "Test blockers", lambda m: [said])
    )
    try:
        review = services.review_open(actor=manager, month=month)
        services.review_close(actor=manager, review=review)
        said["text"] = "changed after the close"
        page = client_for(manager).get(f"/kpis/reviews/{month:%Y-%m}/").content.decode()
    finally:
        registry._review_sections.pop("tests.blockers")
    frozen = Review.objects.get(pk=review.pk).snapshot["sections"]
    assert {
        "key": "tests.blockers",
        "title": "Test blockers",
        "items": [{"text": "Ops needs Marketing: promo list a day earlier"}],
        "empty": "Nothing this month.",
    } in frozen
    assert "promo list a day earlier" in page
    assert "changed after the close" not in page


def test_a_broken_section_does_not_take_the_review_down(client_for, manager):
    def broken(month):
        raise RuntimeError("boom")

    registry.register_review_section(registry.ReviewSection("tests.broken", "Broken", broken))
    try:
        month = last_month()
        services.review_open(actor=manager, month=month)
        page = client_for(manager).get(f"/kpis/reviews/{month:%Y-%m}/")
    finally:
        registry._review_sections.pop("tests.broken")
    assert page.status_code == 200
    assert "This section could not be computed" in page.content.decode()
