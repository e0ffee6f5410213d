"""SwiftDrop's docs: months of history by several functions, and the silo check has a story."""

from django.core.management import call_command
from django.utils import timezone

from handoffs.models import Alert, RuleEvaluation
from hub.models import Event, Membership, User
from wiki import selectors
from wiki.models import Comment, Page, Revision, Space


def test_demo_docs_have_history_comments_and_silos(db):
    call_command("seed_demo", "--deliveries", "300", verbosity=0)
    maya = User.objects.get(username="maya")
    assert Space.objects.filter(slug="shared").exists()
    assert Space.objects.filter(team__isnull=False).count() == 4
    titles = set(Page.objects.values_list("title", flat=True))
    assert {"Northgate launch — campaign plan", "Delivery schedule", "Promo code FAQ"} <= titles
    assert Page.objects.filter(template="onboarding").count() == 4
    plan = Page.objects.get(title="Northgate launch — campaign plan")
    author_teams = set(
        Membership.objects.filter(
            user__in=Revision.objects.filter(page=plan).values("author")
        ).values_list("team__name", flat=True)
    )
    assert {"Marketing", "Operations", "Customer Support"} <= author_teams
    assert Comment.objects.filter(page=plan, quote__gt="").exists()
    oldest = Revision.objects.order_by("created_at").first().created_at
    assert (timezone.now() - oldest).days >= 120
    one_function, unread = selectors.silo_check(maya, now=timezone.now())
    assert "Promo calendar" in [s.page.title for s in one_function]
    assert [s.page.title for s in unread] == ["Promo calendar"]
    overdue = selectors.overdue_pages(maya, now=timezone.now())
    assert "Customer FAQ: deliveries" in [p.title for p in overdue]
    assert "Northgate launch" in selectors.render_for_user(maya, plan.body)  # the campaign chip
    # The ready-made stale rule is on, and today's sweep reminded the FAQ's owners through it.
    rule = selectors.stale_rule()
    assert rule.enabled
    faq = Page.objects.get(title="Customer FAQ: deliveries")
    stale = Event.objects.get(type="wiki.page.stale", payload__page_id=faq.pk)
    assert stale.status == "processed"
    assert RuleEvaluation.objects.get(rule=rule, event=stale).outcome.startswith("matched; remind")
    assert Alert.objects.filter(subject="Review due: Customer FAQ: deliveries").exists()

    call_command("seed_demo", "--reset", "--deliveries", "300", verbosity=0)
    assert Page.objects.filter(title="Delivery schedule").count() == 1
