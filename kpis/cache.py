"""Computed KPI inputs, cached per *generation* so the dashboards, the home page's "KPIs off
target" and the monthly review share one computation, and a change shows at once.

The generation is a counter in the shared cache. It moves on:

- every save or delete of a model the KPI sources read (``WATCHED``: spend, incidents,
  handoffs and rule runs, survey responses, standup updates, targets, baselines, manual
  values, campaigns, zones), once per transaction, when it commits (a handoff and its rule
  run are one move of the counter, not two or three);
- every rollup rebuild (``kpis.rollups.rebuild``), which is how deliveries and customers reach
  the dashboards.

Cached values are keyed by what was computed, its arguments and the generation: a new
generation simply misses. While the current transaction has written something watched, reads
bypass the cache (they see their own writes, the cache may not). Entries expire after
``TIMEOUT`` seconds whatever happens: the bound on staleness for writes that skip model
signals (``QuerySet.update``, ``bulk_create`` outside the rollups).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

T = TypeVar("T")
TIMEOUT = 120
WATCHED = (
    "hub.MarketingSpend",
    "hub.Incident",
    "hub.Campaign",
    "hub.Zone",
    "handoffs.Handoff",
    "handoffs.Rule",
    "handoffs.RuleVersion",
    "handoffs.RuleEvaluation",
    "feedback.Response",
    "feedback.Answer",
    "standups.Update",
    "kpis.Target",
    "kpis.Baseline",
    "kpis.ManualValue",
)


def _scope() -> str:
    """The database the values come from: two databases sharing one cache (tests beside a
    benchmark, staging beside production) never see each other's values or generations."""
    db = connection.settings_dict
    return f"{db.get('HOST') or ''}:{db.get('PORT') or ''}/{db['NAME']}"


def _key() -> str:
    return f"kpis:generation:{_scope()}"


def _start() -> int:
    """A counter that is lost (evicted, cache restarted) starts again from the clock, in
    milliseconds: above the generations it reached unless it moved more than once a
    millisecond on average (and entries live only ``TIMEOUT`` seconds anyway)."""
    return int(time.time() * 1000)


def generation() -> int:
    key = _key()
    try:
        value = cache.get(key)
        if value is None:
            cache.add(key, _start(), timeout=None)
            value = cache.get(key, 0)
        return int(value)
    except Exception:  # the cache being down must not take the dashboards down
        logger.warning("KPI cache unavailable", exc_info=True)
        return 0


def bump() -> None:
    """Start a new generation: now outside a transaction, else once when the current
    transaction commits (however many watched rows it writes). Until then the writing
    transaction's own reads bypass the cache (``memo``), and every other connection still sees
    the committed state the current generation's values were computed from."""
    if not connection.in_atomic_block:
        _bump_now()
    elif not _pending():
        transaction.on_commit(_bump_now)


def _bump_now() -> None:
    try:
        cache.incr(_key())
    except ValueError:  # no counter yet (or evicted)
        cache.add(_key(), _start(), timeout=None)
    except Exception:
        logger.warning("KPI cache unavailable", exc_info=True)


def commit_hooks() -> Iterator[tuple[set[str], Callable[[], Any]]]:
    """The current transaction's commit hooks, each with the savepoints open when it was
    registered (Django drops a hook with the savepoint or transaction it belongs to). The one
    reader of Django's list: its entries are (savepoint ids, callback, robust)."""
    for entry in connection.run_on_commit:
        yield entry[0], entry[1]


def _pending() -> bool:
    """Whether the current transaction wrote something watched (a bump waits for its commit)."""
    return any(hook is _bump_now for _, hook in commit_hooks())


def _written(sender: Any, **kwargs: Any) -> None:
    bump()


def connect() -> None:
    for label in WATCHED:
        post_save.connect(_written, sender=label, dispatch_uid=f"kpis.cache.save.{label}")
        post_delete.connect(_written, sender=label, dispatch_uid=f"kpis.cache.delete.{label}")


def memo(name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """``compute()``'s result for ``name`` and ``parts`` in the current generation."""
    if connection.in_atomic_block and _pending():
        return compute()
    gen = generation()
    if not gen:
        return compute()
    # Hashed: the parts (e.g. the sources' names) may be longer than a cache key should be.
    digest = hashlib.sha256(":".join(str(p) for p in (_scope(), *parts)).encode()).hexdigest()
    key = f"kpis:{name}:{gen}:{digest}"
    try:
        found = cache.get(key)
    except Exception:
        logger.warning("KPI cache unavailable", exc_info=True)
        return compute()
    if found is not None:
        return found[0]
    value = compute()
    try:
        cache.set(key, (value,), timeout=TIMEOUT)
    except Exception:
        logger.warning("KPI cache unavailable", exc_info=True)
    return value
