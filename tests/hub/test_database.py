"""Postgres parses and plans a statement the app runs again and again once per connection."""

import pytest
from django.db import connection

from hub.models import Delivery
from hub.selectors import unique_or_none


@pytest.mark.django_db
def test_a_statement_run_again_and_again_is_prepared_once():
    for n in range(8):
        unique_or_none(Delivery.objects.filter(dispatch_id=f"task{n}"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    # One prepared statement, whatever the dispatch id: the value is bound by the server.
    assert [s for s in prepared if '"hub_delivery"."dispatch_id" = $1' in s]


def test_prepared_statements_can_be_turned_off_for_a_pooler(monkeypatch):
    import importlib

    from hub import settings as hub_settings

    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crossdock")
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")
    try:
        off = importlib.reload(hub_settings).DATABASES["default"].get("OPTIONS", {})
        monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "1")
        on = importlib.reload(hub_settings).DATABASES["default"]["OPTIONS"]
    finally:
        monkeypatch.undo()
        importlib.reload(hub_settings)
    assert "server_side_binding" not in off
    assert on["server_side_binding"] is True and on["prepare_threshold"] == 5
