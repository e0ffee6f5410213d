"""Sessions are read from the shared cache and kept in the database."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext


def _session_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]


@pytest.mark.django_db
def test_a_signed_in_page_reads_its_session_without_the_database(client_for, manager):
    client = client_for(manager)
    client.get("/")  # the session is in the cache from here on
    assert _session_queries(client, "/") == []
    assert _session_queries(client, "/handoffs/") == []


@pytest.mark.django_db
def test_a_session_outlives_the_cache(client_for, manager):
    """The cache is not the only copy: a Redis restart signs nobody out."""
    client = client_for(manager)
    client.get("/")
    cache.clear()
    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.user == manager
    assert _session_queries(client, "/") == []  # read once from the database, then cached
