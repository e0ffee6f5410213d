"""Computed KPI inputs are cached per generation: reused while nothing changed, recomputed as
soon as a fact behind them changes (committed, as the web and the worker write)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub.models import Delivery, Incident
from kpis import dashboard, rollups, selectors
from kpis.models import Target
from kpis.registry import Filters, month_period

pytestmark = pytest.mark.django_db(transaction=True)


def _value(key: str):
    period = month_period(timezone.localdate())
    return next(c for c in dashboard.cards(period, Filters(), [key]) if c.metric.key == key).value


def _now():
    return timezone.now()


def test_a_second_read_is_served_from_the_cache():
    _value("complaints")
    with CaptureQueriesContext(connection) as again:
        _value("complaints")
    assert not [q for q in again.captured_queries if "hub_incident" in q["sql"]]


def test_a_new_fact_changes_the_value_shown_at_once():
    before = _value("complaints")
    Incident.objects.create(kind="complaint", title="late", occurred_at=_now())
    assert _value("complaints") == (before or 0) + 1


def test_a_new_target_changes_the_home_block_at_once():
    assert selectors.off_target_for_home(None) is None
    Incident.objects.create(kind="complaint", title="late", occurred_at=_now())
    Target.objects.create(metric="complaints", value=Decimal("0"))
    off = selectors.off_target_for_home(None)
    assert [row["key"] for row in off] == ["complaints"]


def test_a_rollup_rebuild_changes_the_deliveries_shown():
    today = timezone.localdate()
    before = _value("deliveries") or 0
    done = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    done = min(done, timezone.now())
    Delivery.objects.create(dispatch_id="cache-1", status="succeeded", completed_at=done)
    rollups.rebuild(today - timedelta(days=1), today)
    assert _value("deliveries") == before + 1


def test_reads_inside_a_writing_transaction_see_its_writes():
    from django.db import transaction

    before = _value("complaints") or 0
    with transaction.atomic():
        Incident.objects.create(kind="complaint", title="late", occurred_at=_now())
        assert _value("complaints") == before + 1
        Incident.objects.create(kind="complaint", title="late", occurred_at=_now())
        assert _value("complaints") == before + 2
    assert _value("complaints") == before + 2


def test_a_transaction_writing_several_watched_rows_moves_the_generation_once():
    """A worker's event writes a handoff and its rule run together: one cache round trip
    when it commits, not one per row and one more at commit."""
    from django.db import transaction

    from kpis import cache

    before = cache.generation()
    with transaction.atomic():
        for _ in range(3):
            Incident.objects.create(kind="complaint", title="late", occurred_at=_now())
        assert cache.generation() == before  # nothing committed yet: nothing to invalidate
    assert cache.generation() == before + 1
    Incident.objects.create(kind="complaint", title="late", occurred_at=_now())  # autocommit
    assert cache.generation() == before + 2
