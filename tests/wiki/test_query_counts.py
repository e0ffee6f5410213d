"""No N+1 on docs lists: a page costs the same number of queries with 3 rows as with 12."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.models import Role
from tests.factories import MembershipFactory, UserFactory
from wiki import services


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def grow(start: int, n: int, manager, member, shared, hub_page, marketing) -> None:
    for i in range(start, start + n):
        page = services.page_create(
            actor=manager,
            space=shared,
            title=f"Harbour page {i}",
            body=f"harbour [[{hub_page.title}]] /campaigns/1/",
            parent=hub_page,
            template="onboarding" if i % 2 else "faq",
            owner_team=marketing,
        )
        services.page_save(
            actor=member, page=page, title=page.title, body=page.body + " more", base_number=1
        )
        services.page_view_record(user=member, page=page)
        comment = services.comment_add(actor=member, page=hub_page, body=f"c{i}")
        services.comment_add(actor=manager, page=hub_page, body=f"r{i}", parent=comment)
        services.page_save(
            actor=manager,
            page=hub_page,
            title=hub_page.title,
            body=f"v{i} [[Harbour page {i}]]",
            base_number=hub_page.revision_number,
        )
        hub_page.refresh_from_db()
        MembershipFactory(user=UserFactory(), team=marketing, role=Role.MEMBER)


@pytest.mark.parametrize(
    "path",
    [
        "/wiki/",
        "/wiki/s/shared/",
        "/wiki/search/?q=harbour",
        "/wiki/silo/",
        "/wiki/onboarding/",
        "/wiki/onboarding/team/",
        "/wiki/p/{hub}/",
        "/wiki/p/{hub}/history/",
        "/api/v1/pages/",
        "/api/v1/pages/{hub}/revisions/",
    ],
)
def test_docs_lists_cost_the_same_with_more_rows(client_for, manager, member, marketing, path):
    shared = services.shared_space()
    hub_page = services.page_create(actor=manager, space=shared, title="Hub", owner_team=marketing)
    client = client_for(manager)
    grow(0, 3, manager, member, shared, hub_page, marketing)
    url = path.format(hub=hub_page.pk)
    if "{hub}/" in path and not path.endswith("history/") and "revisions" not in path:
        url = hub_page.get_absolute_url()
    queries(client, url)  # warm caches (roles, content types)
    few = queries(client, url)
    grow(3, 9, manager, member, shared, hub_page, marketing)
    if "{hub}/" in path and not path.endswith("history/") and "revisions" not in path:
        hub_page.refresh_from_db()
        url = hub_page.get_absolute_url()
    many = queries(client, url)
    assert many == few, f"{url}: {few} queries with 3 rows, {many} with 12"
