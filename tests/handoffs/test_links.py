"""Handoff links and ``next=`` redirects stay on this site."""

import pytest

from handoffs import services
from handoffs.models import Handoff
from hub import links
from hub.errors import DomainError

OFF_SITE = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "https://evil.example/login",
    "//evil.example/login",
    "/\\evil.example/login",
    "\\\\evil.example",
    "data:text/html,<script>alert(1)</script>",
    "/handoffs/\r\nLocation: https://evil.example",
]


@pytest.mark.parametrize("url", OFF_SITE)
def test_only_paths_on_this_site_are_links(url):
    assert not links.is_site_path(url)


@pytest.mark.parametrize("url", ["/kpis/", "/handoffs/explain/?event=2", "/wiki/p/a-b/#x"])
def test_paths_on_this_site_are_links(url):
    assert links.is_site_path(url)


@pytest.mark.parametrize("url", OFF_SITE)
def test_the_api_refuses_off_site_handoff_links(api_for, member, ops, url):
    response = api_for(member).post(
        "/api/v1/handoffs/", {"team": "operations", "title": "x", "link": url}, format="json"
    )
    assert response.status_code == 400
    assert "path on this site" in response.json()["errors"]["link"][0]
    assert not Handoff.objects.exists()


def test_the_service_refuses_an_off_site_link(ops):
    with pytest.raises(DomainError, match="path on this site"):
        services.handoff_create(team=ops, title="x", link="javascript:alert(1)")


@pytest.mark.parametrize("url", ["/\\evil.example/login", "//evil.example/", "javascript:x"])
def test_the_form_refuses_an_off_site_link_as_the_api_does(client_for, member, marketing, url):
    page = client_for(member).post(
        "/handoffs/new/", {"team": marketing.pk, "title": "x", "link": url}
    )
    assert "path on this site" in page.content.decode()
    assert not Handoff.objects.exists()


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:x"]
)
def test_acknowledging_never_redirects_off_site(client_for, member, ops, next_url):
    handoff = services.handoff_create(team=ops, title="Check capacity")
    response = client_for(member).post(f"/handoffs/h/{handoff.pk}/ack/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == handoff.get_absolute_url()


def test_acknowledging_returns_to_a_page_of_this_site(client_for, member, ops):
    handoff = services.handoff_create(team=ops, title="Check capacity")
    response = client_for(member).post(f"/handoffs/h/{handoff.pk}/ack/", {"next": "/handoffs/"})
    assert response["Location"] == "/handoffs/"


def test_a_link_stored_before_the_check_is_not_shown_as_a_link(client_for, member, ops):
    handoff = services.handoff_create(team=ops, title="Old row")
    Handoff.objects.filter(pk=handoff.pk).update(link="javascript:alert(document.cookie)")
    page = client_for(member).get(handoff.get_absolute_url()).content.decode()
    assert "javascript:" not in page
    Handoff.objects.filter(pk=handoff.pk).update(link="/kpis/")
    assert 'href="/kpis/"' in client_for(member).get(handoff.get_absolute_url()).content.decode()
