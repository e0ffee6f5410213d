"""The event log: record an event once, then hand it to its subscribers after commit.

Seam for every module — react to events with ``subscribe``, from your ``AppConfig.ready()``::

    from hub import events

    events.subscribe(survey_on_delivery, types=["onfleet.taskCompleted"])
    events.subscribe(anything_about_promos, types=["hub.promo_code.*"], name="promo-watch")

``types`` takes exact event types, ``prefix.*`` patterns, or ``*``; none means every event.
Each subscriber's progress is tracked on its own (``Event.progress``): a subscriber that fails is
retried alone, with backoff, while the others' work stands, and after ``MAX_ATTEMPTS`` the event
is marked failed naming the subscriber that broke (shown on the event's page). A subscriber must
be idempotent: it runs at least once per event (a worker killed after it ran re-runs it). It
runs in its own transaction; record follow-up events with ``record()`` and write through your
own services. Settings may add dotted paths in ``CROSSDOCK_EVENT_SUBSCRIBERS`` (every event).

Record what your module did with ``record(source, type, external_id, payload, subject=…)``:
types are named ``<app>.<noun>.<verb>`` (``feedback.response.received``), and the external id
makes a repeated record a no-op.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from hub import configuration
from hub.inserts import InsertOnce
from hub.models import Event
from hub.queue import publish, run_here

logger = logging.getLogger(__name__)

Handler = Callable[[Event], Any]

MAX_ATTEMPTS = 5
# Errors that say the database connection went away, not that a subscriber is wrong.
DATABASE_GONE = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class Subscription:
    name: str
    handler: Handler
    types: tuple[str, ...] = ()

    def wants(self, event_type: str) -> bool:
        if not self.types:
            return True
        for pattern in self.types:
            if pattern in ("*", event_type):
                return True
            if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
                return True
        return False


_subscriptions: dict[str, Subscription] = {}


class Recorded:
    """What ``record`` did. ``created``: this call wrote the event. ``event``: the stored event,
    made on first use: from the values just written when this call wrote it, else read (a
    provider's webhook needs only ``created``, and building or reading the event would cost
    that request CPU or a second statement)."""

    __slots__ = ("_event", "_written", "created", "external_id", "source")

    def __init__(
        self,
        source: str,
        external_id: str,
        *,
        created: bool,
        written: dict[str, Any] | None = None,
    ) -> None:
        self.source, self.external_id, self.created = source, external_id, created
        self._written = written  # the values this call wrote, when it wrote the event
        self._event: Event | None = None

    @property
    def event(self) -> Event:
        if self._event is None and self._written is not None:
            self._event = Event(**self._written)
            self._event._state.adding = False
            self._event._state.db = DEFAULT_DB_ALIAS
        if self._event is None:
            self._event = Event.objects.filter(
                source=self.source, external_id=self.external_id
            ).first()
            if self._event is None:  # inserted and deleted since: nothing to hand back
                raise IntegrityError(
                    f"Event {self.source}:{self.external_id} conflicted and vanished."
                )
        return self._event


def _name_of(handler: Handler) -> str:
    return f"{handler.__module__}.{getattr(handler, '__qualname__', repr(handler))}"


def subscribe(
    handler: Handler, *, types: Iterable[str] | None = None, name: str | None = None
) -> Handler:
    """Run ``handler(event)`` for every event of ``types`` (all when None). Registering the same
    name again replaces it, so calling this twice is harmless. Returns the handler."""
    key = name or _name_of(handler)
    _subscriptions[key] = Subscription(key, handler, tuple(types or ()))
    return handler


def subscriptions() -> list[Subscription]:
    """Every subscriber, in the order registered (apps first, then settings)."""
    configured = [
        Subscription(path, import_string(path)) for path in settings.CROSSDOCK_EVENT_SUBSCRIBERS
    ]
    return [*_subscriptions.values(), *configured]


def record(
    source: str,
    type: str,
    external_id: str,
    payload: dict[str, Any] | None = None,
    *,
    occurred_at: datetime | None = None,
    unmapped: bool = False,
    integration_id: int | None = None,
    subject: str = "",
    payload_json: str | None = None,
) -> Recorded:
    """Write the event once per (source, external_id) and enqueue its processing on commit.

    A second record of the same key changes nothing and returns ``created=False``; its
    ``event`` is the stored one, read when first asked for. ``payload_json``: the payload's
    JSON text as it was received (``payload`` is its parse), stored as it is instead of
    encoding ``payload`` again.
    """
    if not source or not type or not external_id:
        raise ValueError("An event needs a source, a type and an external id.")
    key = str(external_id)[:255]
    given: dict[str, Any] = {
        "source": source,
        "type": type,
        "external_id": key,
        "payload": {} if payload is None else payload,
        "occurred_at": occurred_at,
        "unmapped": unmapped,
        "integration_id": integration_id,
        "subject": subject[:255],
    }
    pk = _INSERT(given, raw=None if payload_json is None else {"payload": payload_json})
    if pk is None:
        return Recorded(source, key, created=False)
    enqueue(pk)
    given["id"] = pk
    return Recorded(source, key, created=True, written=given)


# The fields ``record`` passes; every other one is written with its default. One statement
# per event, ``ON CONFLICT DO NOTHING`` on its key: a provider's retry costs no error, and the
# hottest write of the hub needs no savepoint and no model instance (hub/inserts.py).
GIVEN = (
    "source",
    "type",
    "external_id",
    "payload",
    "occurred_at",
    "unmapped",
    "integration_id",
    "subject",
)
_INSERT = InsertOnce(Event, conflict=("source", "external_id"), given=GIVEN)


# Events are processed in batches by drain tasks, not one task each: a publish per event cost
# every webhook a broker round trip and the worker a task's overhead per event. The flag below
# (in the shared cache) says "a drain is queued"; see enqueue() and drain(). Drains run on
# lanes, one flag each: new events wake lane 0, and a drain that leaves a backlog wakes every
# lane, so a backlog is worked by one drain per worker process (see wake_all()).
WAKE_KEY = "events:drain-queued"
WAKE_SECONDS = 5
# Events one drain takes before it hands over to a successor at the back of the queue: a drain
# that ran until the stream of events stopped would hold its worker process for as long, and the
# alerts queued meanwhile would wait behind it.
DRAIN_LIMIT = 25


def enqueue(event_id: int) -> None:
    """Have the event processed by a drain once the surrounding transaction commits.

    After commit, the first caller to set the "drain queued" flag publishes a drain task; the
    others rely on that drain, which clears the flag before it looks for pending events, so an
    event committed at any moment is either seen by it or wakes another drain. A lost flag or
    publish (cache or broker down, worker killed) costs at most WAKE_SECONDS: the flag expires,
    and the sweeper finds any event left pending in any case.
    """
    transaction.on_commit(_wake)


def wake(lane: int = 0) -> None:
    """Make sure a drain is queued on ``lane`` (publish one unless its flag says one is)."""
    _wake(lane)


def wake_all() -> None:
    """Make sure a drain is queued on every lane: a drain that leaves a backlog behind calls
    this, so the backlog is worked by as many drains side by side as the worker has processes
    (new events only ever wake lane 0, one cache round trip per webhook)."""
    for lane in range(lanes()):
        _wake(lane)


def run_drain(lane: int = 0, *, paced: bool = False) -> int:
    """What a drain task does: stand aside during a flood unless ``paced`` (one of the paced
    drains, which take FLOOD_DRAIN_LIMIT events), drain, and queue what follows. Returns the
    events taken."""
    if not paced and pacing():
        return 0  # a flood: the paced drains work the backlog, this one stands aside
    taken, more = drain(lane=lane, paced=paced, limit=FLOOD_DRAIN_LIMIT if paced else DRAIN_LIMIT)
    after_drain(lane, more=more, paced=paced)
    return taken


def after_drain(lane: int, *, more: bool, paced: bool = False) -> None:
    """Queue what follows a drain on ``lane`` (``more``: it left a backlog). A backlog is worked
    by a drain on every lane (see wake_all), or during a flood by one paced drain at a time
    (see ``flooded``); ``paced``: this drain was one of those."""
    if more and flooded(timezone.now()):
        if paced or _claim_pacing():
            _pace()
        return  # the paced drains work the backlog; this lane stops until the flood is over
    if paced:
        _pacing_over()
    if more:
        wake_all()
    elif paced:
        wake(lane)  # for the events whose webhooks its flag held back, if it took none of them


# A flood: events arriving faster than any worker here could process them (a provider
# replaying its backlog, a storm of retries, a load test). The web answers the webhooks first:
# while one lasts, one drain of FLOOD_DRAIN_LIMIT events every FLOOD_PACE_SECONDS works the
# backlog instead of one per worker process, which would take the cores the web needs, and
# every lane drains at full speed as soon as the arrivals drop below the rate. The backlog
# waits in the table meanwhile.
FLOOD_WINDOW_SECONDS = 2
FLOOD_PACE_SECONDS = 1.0
FLOOD_DRAIN_LIMIT = 10  # events a paced drain takes: a trickle that keeps the outbox moving
# Held while the paced drains run (one chain of them at a time), with lane 0's "drain queued"
# flag, so that webhooks queue no drain of their own meanwhile. Both expire by themselves if
# the chain is lost (a worker killed): webhooks then queue drains again.
PACE_KEY = "events:drain-paced"


def flooded(now: datetime) -> bool:
    """Whether more than CROSSDOCK_EVENT_FLOOD_RATE events a second arrived over the last
    FLOOD_WINDOW_SECONDS and wait unprocessed (0 turns the pacing off). A bounded count on the
    unfinished events' index, once per drain."""
    rate = settings.CROSSDOCK_EVENT_FLOOD_RATE
    if rate <= 0:
        return False
    threshold = int(rate * FLOOD_WINDOW_SECONDS)
    recent = Event.objects.filter(
        status=Event.Status.PENDING,
        received_at__gte=now - timedelta(seconds=FLOOD_WINDOW_SECONDS),
    ).order_by()
    return recent[: threshold + 1].count() > threshold


def pacing() -> bool:
    """Whether paced drains are working a flood's backlog (other drains then stand aside)."""
    try:
        return cache.get(PACE_KEY) is not None
    except Exception:
        return False


def _claim_pacing() -> bool:
    try:
        return bool(cache.add(PACE_KEY, 1, timeout=WAKE_SECONDS))
    except Exception:  # the cache is down: no pacing, every lane drains as usual
        logger.warning("Cache unavailable; drains are not paced", exc_info=True)
        return False


def _pace() -> None:
    """Queue the next paced drain (lane 0) FLOOD_PACE_SECONDS from now."""
    from hub.tasks import drain_events_task

    try:
        cache.set_many({PACE_KEY: 1, _flag(0): 1}, timeout=WAKE_SECONDS)
    except Exception:  # the cache is down: webhooks may queue drains sooner, no harm
        logger.warning("Cache unavailable; pacing drains without their flag", exc_info=True)
    eta = timezone.now() + timedelta(seconds=FLOOD_PACE_SECONDS)
    if not publish(drain_events_task, 0, True, eta=eta, what="pending events (flood)"):
        _pacing_over()  # nothing was queued: let the next event try again


def _pacing_over() -> None:
    try:
        cache.delete_many([PACE_KEY, _flag(0)])
    except Exception:
        logger.warning("Cache unavailable; the pacing flags expire by themselves", exc_info=True)


def lanes() -> int:
    return max(1, int(getattr(settings, "CELERY_WORKER_CONCURRENCY", 1) or 1))


def _flag(lane: int) -> str:
    return WAKE_KEY if lane == 0 else f"{WAKE_KEY}:{lane}"


def _wake(lane: int = 0) -> None:
    from hub.tasks import drain_events_task

    try:
        first = cache.add(_flag(lane), 1, timeout=WAKE_SECONDS)
    except Exception:  # the cache is down: publish anyway, the broker may be up
        logger.warning("Cache unavailable; publishing a drain for every event", exc_info=True)
        first = True
    if first and not publish(drain_events_task, lane, what="pending events"):
        wake_clear(lane)  # nothing was queued: let the next event try again


def wake_clear(lane: int | None = None) -> None:
    """Forget the "drain queued" flag of ``lane`` (a drain starting, or a publish that
    failed), or of every lane."""
    keys = [_flag(lane)] if lane is not None else [_flag(n) for n in range(lanes())]
    try:
        cache.delete_many(keys)
    except Exception:
        logger.warning("Cache unavailable; the drain flag expires by itself", exc_info=True)


def claim_next_event(now: datetime) -> Event | None:
    """Claim the oldest fresh pending event nobody holds and return it (one round trip on
    Postgres), or None when none is left.

    Fresh: never attempted. An event a subscriber failed on waits for its own retry (with
    backoff), so a drain never spins on it.
    """
    if connection.vendor == "postgresql":
        # One statement; SKIP LOCKED lets concurrent drains take different events.
        # event_unfinished_idx (received_at, partial on pending/processing) serves the scan.
        # RETURNING the row spares a SELECT of the event just claimed.
        claimed = list(
            Event.objects.raw(
                """
                UPDATE hub_event SET status = 'processing', claimed_at = %s
                WHERE id = (
                    SELECT id FROM hub_event
                    WHERE status = 'pending' AND attempts = 0
                    ORDER BY received_at, id LIMIT 1
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING *
                """,
                [now],
            )
        )
        return claimed[0] if claimed else None
    fresh = Event.objects.filter(status=Event.Status.PENDING, attempts=0)
    for event_id in fresh.order_by("received_at", "id").values_list("id", flat=True)[:5]:
        if fresh.filter(pk=event_id).update(status=Event.Status.PROCESSING, claimed_at=now):
            return Event.objects.get(pk=event_id)
    return None


# Values a drain's subscribers may reuse from one event to the next (see ``memo``).
_batch: ContextVar[dict[Any, Any] | None] = ContextVar("crossdock_event_batch", default=None)
# ...and from one drain to the next in this process, while the configuration's number stands
# still (hub/configuration.py): (number, when first kept, the values).
_kept: tuple[int, float, dict[Any, Any]] | None = None
# At most this long, whatever the number says: a bound on any configuration read through a
# table nobody watched.
KEEP_SECONDS = 60.0


def _memo_for_batch() -> dict[Any, Any]:
    """The values a new batch starts with: those kept by the drains before it, if the
    configuration has not changed since, else none."""
    global _kept
    number = configuration.generation()
    now = time.monotonic()
    if number is None:
        _kept = None
        return {}
    if _kept is not None and _kept[0] == number and now - _kept[1] < KEEP_SECONDS:
        return _kept[2]
    _kept = (number, now, {})
    return _kept[2]


def forget_kept() -> None:
    """Drop every value kept across drains (a subscriber failed: what it memoised may come
    from a transaction that rolled back)."""
    global _kept
    _kept = None


@contextmanager
def batch() -> Iterator[None]:
    """Let subscribers reuse what they looked up (``memo``) until the block ends: a drain's
    events share the rules, channels and zones they read, and so do the drains after it while
    the configuration is unchanged. Nested blocks share the outer one."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set(_memo_for_batch())
    try:
        yield
    finally:
        _batch.reset(token)


def memo(key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, remembered under ``key`` for the rest of the current ``batch`` (a drain)
    and the drains after it in this process until the configuration changes; computed every
    time outside one. Only for configuration read from watched tables (hub/configuration.py:
    rules, channels, teams, people, zones, alert settings), never for facts. A value must not
    be changed by whoever gets it: the drains share it."""
    cache = _batch.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def forget(key: Any) -> None:
    """Drop what ``memo`` remembers under ``key`` (its next call computes again)."""
    cache = _batch.get()
    if cache is not None:
        cache.pop(key, None)


def drain(*, limit: int = DRAIN_LIMIT, lane: int = 0, paced: bool = False) -> tuple[int, bool]:
    """Process fresh pending events one at a time, oldest first, until none is left or
    ``limit`` were taken. Returns (events taken, more left). Safe to run twice or in parallel:
    each event is claimed before it is processed, and only the one in hand is held, so a killed
    drain leaves one event for the sweeper, as a killed per-event task did.

    Configuration the subscribers read is shared across the drain's events (``memo``), and the
    tasks they queue that may run here (alerts due now) run in this process right after the
    event, not through the broker (``hub.queue.run_here``).

    An event whose subscriber fails goes back to pending (process() records it) and gets its
    own retry task with backoff.

    ``paced``: a drain queued by ``_pace`` during a flood leaves its lane's flag set while it
    runs, so the webhooks meanwhile queue no drain of their own (``after_drain`` clears it).
    """
    from hub.tasks import RETRY_FIRST_SECONDS, process_event_task

    if not paced:
        wake_clear(lane)
    taken = 0
    with batch():
        while taken < limit:
            event = claim_next_event(timezone.now())
            if event is None:
                return taken, False
            taken += 1
            with run_here():
                try:
                    _process_claimed(event)
                except Exception:
                    logger.warning(
                        "Event %s failed; retrying it on its own", event.pk, exc_info=True
                    )
                    retry_at = timezone.now() + timedelta(seconds=RETRY_FIRST_SECONDS)
                    publish(process_event_task, event.pk, eta=retry_at, what=f"event {event.pk}")
    return taken, True


def claim(event_id: int, now: datetime) -> bool:
    """Move the event to processing if nobody holds it (or the holder went stale)."""
    stale = now - timedelta(seconds=settings.CROSSDOCK_EVENT_STALE_SECONDS)
    claimable = Q(status=Event.Status.PENDING) | Q(
        status=Event.Status.PROCESSING, claimed_at__lt=stale
    )
    updated = Event.objects.filter(claimable, pk=event_id).update(
        status=Event.Status.PROCESSING, claimed_at=now
    )
    return updated == 1


def process(event_id: int, *, now: datetime | None = None, claimed: bool = False) -> bool:
    """Run each subscriber that wants this event and is not done with it yet, once the event is
    claimed (``claimed``: the caller has just claimed it). Returns False if not claimed.

    Every subscriber runs in its own transaction; its outcome is kept in ``Event.progress``. If
    any failed, the event goes back to pending (failed once a subscriber has had MAX_ATTEMPTS)
    and the first error is re-raised so the task retries — only the failed ones run again.
    """
    now = now or timezone.now()
    if not claimed and not claim(event_id, now):
        return False
    _process_claimed(Event.objects.get(pk=event_id))
    return True


def _process_claimed(event: Event) -> None:
    """``process`` for an event in hand, claimed by the caller."""
    event_id = event.pk
    progress: dict[str, dict[str, Any]] = dict(event.progress or {})
    first_error: Exception | None = None
    database_gone = True  # …until a subscriber fails for another reason
    for sub in subscriptions():
        state = progress.get(sub.name, {})
        if state.get("status") == "done" or not sub.wants(event.type):
            continue
        attempts = int(state.get("attempts", 0)) + 1
        try:
            with transaction.atomic():
                sub.handler(event)
        except Exception as exc:
            logger.warning("Subscriber %s failed on event %s", sub.name, event_id, exc_info=True)
            forget_kept()
            progress[sub.name] = {
                "status": "failed",
                "attempts": attempts,
                "error": f"{type(exc).__name__}: {exc}"[:1000],
            }
            first_error = first_error or exc
            database_gone = database_gone and isinstance(exc, DATABASE_GONE)
        else:
            progress[sub.name] = {"status": "done", "attempts": attempts}
    failed = [(name, st) for name, st in progress.items() if st.get("status") == "failed"]
    if failed and first_error is not None and database_gone:
        # The database dropped the connection: no fault of a subscriber, so no attempt is used
        # up (a long outage would otherwise fail events for good). The event waits, pending.
        for _, state in failed:
            state["attempts"] = max(0, int(state.get("attempts", 1)) - 1)
        Event.objects.filter(pk=event_id).update(
            status=Event.Status.PENDING,
            last_error="; ".join(f"{name}: {st.get('error', '')}" for name, st in failed)[:2000],
            claimed_at=None,
            progress=progress,
        )
        raise first_error
    if failed:
        most = max(int(st.get("attempts", 0)) for _, st in failed)
        exhausted = max(most, event.attempts + 1) >= MAX_ATTEMPTS
        Event.objects.filter(pk=event_id).update(
            status=Event.Status.FAILED if exhausted else Event.Status.PENDING,
            attempts=event.attempts + 1,
            last_error="; ".join(f"{name}: {st.get('error', '')}" for name, st in failed)[:2000],
            claimed_at=None,
            progress=progress,
        )
        assert first_error is not None  # noqa: S101 - a failed entry was written this run
        raise first_error
    Event.objects.filter(pk=event_id).update(
        status=Event.Status.PROCESSED,
        processed_at=timezone.now(),
        attempts=event.attempts + 1,
        last_error="",
        progress=progress,
    )


def replay(event: Event) -> None:
    """Send a processed or failed event through processing again (admins' replay)."""
    Event.objects.filter(pk=event.pk).update(
        status=Event.Status.PENDING, claimed_at=None, attempts=0, progress={}
    )
    enqueue(event.pk)


def unfinished(now: datetime, limit: int = 500) -> list[int]:
    """Ids of events left pending or processing for longer than the stale threshold, to send
    again. A pending one is stamped as swept (``claimed_at``, which does not stop its claim), so
    it is not sent again before another stale period: one waiting in a long queue would
    otherwise get one more task on every sweep."""
    cutoff = now - timedelta(seconds=settings.CROSSDOCK_EVENT_STALE_SECONDS)
    ids = list(
        Event.objects.filter(
            status__in=[Event.Status.PENDING, Event.Status.PROCESSING], received_at__lt=cutoff
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=cutoff))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    Event.objects.filter(pk__in=ids, status=Event.Status.PENDING).update(claimed_at=now)
    return ids
