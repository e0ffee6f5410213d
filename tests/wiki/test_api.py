"""The pages API: same services, same conflict check, same permissions as the pages."""

from wiki import services
from wiki.models import ConflictCopy


def test_outsider_and_anonymous_are_refused(api_for, outsider, plan):
    assert api_for().get("/api/v1/pages/").status_code in (401, 403)
    assert api_for(outsider).get("/api/v1/pages/").status_code == 403


def test_list_newest_first_and_filter(api_for, member, manager, shared, plan):
    services.page_create(actor=manager, space=shared, title="Later", template="faq")
    data = api_for(member).get("/api/v1/pages/").json()
    assert data["count"] == 2
    assert [p["title"] for p in data["results"]] == ["Later", "Spring promo plan"]
    faq = api_for(member).get("/api/v1/pages/?template=faq").json()
    assert [p["title"] for p in faq["results"]] == ["Later"]
    assert api_for(member).get("/api/v1/pages/?template=nope").status_code == 400


def test_create_from_template_with_context(api_for, member, shared, ops):
    response = api_for(member).post(
        "/api/v1/pages/",
        {
            "space": "shared",
            "title": "Summer promo",
            "template": "campaign_plan",
            "context": {"zones": ["North"], "promo_codes": "SUMMER5"},
            "owner_team": "operations",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert "SUMMER5" in response.json()["body"]
    assert response.json()["revision_number"] == 1


def test_update_with_base_revision_and_conflict(api_for, member, manager, plan):
    first = api_for(member).patch(
        f"/api/v1/pages/{plan.pk}/", {"body": "ops text", "base_revision": 1}, format="json"
    )
    assert first.status_code == 200
    assert first.json()["revision_number"] == 2
    second = api_for(manager).patch(
        f"/api/v1/pages/{plan.pk}/", {"body": "marketing text", "base_revision": 1}, format="json"
    )
    assert second.status_code == 409
    assert second.json()["current_revision"] == 2
    assert "conflict copy" in second.json()["detail"]
    assert ConflictCopy.objects.get(pk=second.json()["conflict_copy"]).body == "marketing text"
    missing = api_for(manager).patch(f"/api/v1/pages/{plan.pk}/", {"body": "x"}, format="json")
    assert missing.status_code == 400


def test_revisions_endpoint(api_for, member, plan):
    services.page_save(actor=member, page=plan, title=plan.title, body="v2", base_number=1)
    data = api_for(member).get(f"/api/v1/pages/{plan.pk}/revisions/").json()
    assert [r["number"] for r in data["results"]] == [2, 1]
    assert data["results"][0]["author"] == member.email


def test_schema_documents_pages(api_for, admin_user):
    response = api_for(admin_user).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/pages/{id}/revisions/" in response.content
