"""Docs pages per role: members read and write, outsiders see nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wiki import services
from wiki.models import Attachment, Comment, ConflictCopy, Page, Revision


@pytest.mark.parametrize(
    "url",
    ["/wiki/", "/wiki/search/?q=promo", "/wiki/new/", "/wiki/silo/", "/wiki/onboarding/",
     "/wiki/s/shared/"],
)  # fmt: skip
def test_outsider_sees_no_docs(client_for, outsider, url, shared):
    assert client_for(outsider).get(url).status_code == 403


def test_outsider_cannot_read_a_page(client_for, outsider, plan):
    assert client_for(outsider).get(plan.get_absolute_url()).status_code == 403
    assert client_for(outsider).get(f"/wiki/p/{plan.pk}/history/").status_code == 403


def test_home_lists_spaces_recent_and_templates(client_for, member, plan, ops):
    response = client_for(member).get("/wiki/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Spring promo plan" in body
    assert "Operations" in body  # the team's own space was made
    assert "Campaign plan" in body


def test_member_creates_a_page_from_a_template(client_for, member, shared, ops):
    response = client_for(member).post(
        "/wiki/new/",
        {"title": "Harbour schedule", "space": shared.pk, "template": "delivery_schedule"},
    )
    page = Page.objects.get(title="Harbour schedule")
    assert response.status_code == 302
    assert response["Location"] == f"/wiki/p/{page.pk}/edit/"
    assert page.owner_team == ops  # the author's team owns a page in Shared
    assert "## Zones and windows" in page.body


def test_page_renders_markdown_safely_and_counts_a_view(client_for, member, manager, shared):
    page = services.page_create(
        actor=manager,
        space=shared,
        title="FAQ",
        body="## Late?\n<script>alert(1)</script><img src=x onerror=alert(1)>\n- [x] done",
    )
    response = client_for(member).get(page.get_absolute_url())
    body = response.content.decode()
    assert "<h2>Late?</h2>" in body
    assert "<script>alert(1)" not in body
    assert "onerror" not in body
    assert page.views.get(user=member).count == 1


def test_edit_saves_a_revision(client_for, member, plan):
    response = client_for(member).post(
        f"/wiki/p/{plan.pk}/edit/",
        {"title": plan.title, "body": plan.body + "\n40 drivers", "base_number": 1},
    )
    assert response.status_code == 302
    assert Revision.objects.filter(page=plan, number=2, author=member).exists()


def test_stale_edit_is_refused_with_a_conflict_message(client_for, member, manager, plan):
    services.page_save(actor=manager, page=plan, title=plan.title, body="newer", base_number=1)
    response = client_for(member).post(
        f"/wiki/p/{plan.pk}/edit/", {"title": plan.title, "body": "mine", "base_number": 1}
    )
    assert response.status_code == 409
    assert "someone changed this page while you were editing" in response.content.decode()
    plan.refresh_from_db()
    assert plan.body == "newer"
    copy = ConflictCopy.objects.get(author=member)
    assert copy.body == "mine"
    assert client_for(member).get(copy.get_absolute_url()).status_code == 200
    # Merge: the editor opens with the refused text, based on the latest revision.
    merge = client_for(member).get(f"/wiki/p/{plan.pk}/edit/?merge={copy.pk}")
    assert 'value="2"' in merge.content.decode()


def test_conflict_copy_is_private_to_its_author(client_for, member, manager, plan, cs_person):
    services.page_save(actor=manager, page=plan, title=plan.title, body="newer", base_number=1)
    copy = services.page_save(
        actor=member, page=plan, title=plan.title, body="mine", base_number=1
    ).conflict
    assert client_for(cs_person).get(copy.get_absolute_url()).status_code == 403


def test_preview_renders_with_the_same_sanitiser(client_for, member):
    response = client_for(member).post(
        "/wiki/preview/", {"body": "**bold** <img src=x onerror=alert(1)>"}
    )
    assert "<strong>bold</strong>" in response.content.decode()
    assert "onerror" not in response.content.decode()


def test_history_diff_and_restore(client_for, member, plan):
    services.page_save(actor=member, page=plan, title=plan.title, body="changed", base_number=1)
    client = client_for(member)
    assert client.get(f"/wiki/p/{plan.pk}/history/").status_code == 200
    diff = client.get(f"/wiki/p/{plan.pk}/diff/?a=1&b=2")
    assert diff.status_code == 200
    assert "diff_" in diff.content.decode()
    assert client.post(f"/wiki/p/{plan.pk}/restore/1/").status_code == 302
    plan.refresh_from_db()
    assert plan.revision_number == 3
    assert "## Summary" in plan.body


def test_comment_reply_and_resolve(client_for, member, plan):
    client = client_for(member)
    client.post(f"/wiki/p/{plan.pk}/comments/", {"body": "Looks good", "quote": "Promo codes"})
    comment = Comment.objects.get()
    assert comment.quote == "Promo codes"
    client.post(f"/wiki/p/{plan.pk}/comments/", {"body": "Agreed", "parent": comment.pk})
    client.post(f"/wiki/comments/{comment.pk}/resolve/")
    comment.refresh_from_db()
    assert comment.resolved_at is not None
    assert comment.replies.count() == 1


def test_attachment_upload_and_download(client_for, member, plan, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    client = client_for(member)
    upload = SimpleUploadedFile("zones.png", b"\x89PNG\r\n\x1a\nfake", content_type="image/png")
    assert client.post(f"/wiki/p/{plan.pk}/attachments/", {"file": upload}).status_code == 302
    attachment = Attachment.objects.get()
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    evil = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")
    client.post(f"/wiki/p/{plan.pk}/attachments/", {"file": evil})
    assert Attachment.objects.count() == 1


def test_search_page_finds_body_words(client_for, member, plan):
    response = client_for(member).get("/wiki/search/?q=harbour")
    assert "Spring promo plan" in response.content.decode()
    assert "<mark>" in response.content.decode()


def test_onboarding_pages(client_for, member, manager, marketing, ops, shared):
    module = services.page_create_from_template(
        actor=manager, space=shared, template="onboarding", title="Ops 101", owner_team=ops
    )
    client = client_for(member)
    client.post(f"/wiki/onboarding/{module.pk}/", {"done": "1"})
    assert "1 of 1" in client.get("/wiki/onboarding/").content.decode()
    assert client.get("/wiki/onboarding/team/").status_code == 403
    manager_view = client_for(manager).get("/wiki/onboarding/team/")
    assert manager_view.status_code == 200
    # A marketing manager does not see an ops member's checklist.
    assert client_for(manager).get(f"/wiki/onboarding/people/{member.pk}/").status_code == 403


def test_silo_page_renders(client_for, member, plan):
    assert client_for(member).get("/wiki/silo/").status_code == 200


def test_wiki_home_offers_the_stale_rule_from_the_gallery(client_for, admin_user, member):
    from handoffs.models import Rule

    adopt = reverse("handoffs:rule_adopt", args=["doc_stale"])
    assert f'action="{adopt}"' in client_for(admin_user).get("/wiki/").content.decode()
    assert "Adopt the rule" not in client_for(member).get("/wiki/").content.decode()
    gallery = client_for(admin_user).get("/handoffs/rules/").content.decode()
    assert "Doc gone stale → remind its owners" in gallery
    response = client_for(admin_user).post(adopt)
    rule = Rule.objects.get(template_key="doc_stale")
    assert response["Location"] == rule.get_absolute_url()
    assert rule.enabled is False
    assert "is switched off" in client_for(member).get("/wiki/").content.decode()


def test_stale_rule_is_edited_and_dry_run_like_any_other(client_for, admin_user, plan):
    import time_machine
    from django.utils import timezone

    from handoffs import services as handoff_services

    rule = handoff_services.rule_from_template(actor=admin_user, key="doc_stale")
    edit = client_for(admin_user).get(rule.get_absolute_url())
    assert edit.status_code == 200
    assert "Remind a doc&#x27;s owners" in edit.content.decode()
    later = timezone.now() + timedelta(days=plan.review_every_days + 2)
    with time_machine.travel(later, tick=False):
        services.pages_mark_stale(now=later)
        dry = client_for(admin_user).get(reverse("handoffs:rule_dry_run", args=[rule.pk]))
    assert dry.status_code == 200
    assert "Would remind Marketing to review “Spring promo plan”." in dry.content.decode()
