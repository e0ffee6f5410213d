"""Hand work to Celery only once the rows it needs are committed, and never fail a request over it.

Every task is enqueued through here. The row a task works on is the source of truth: when the
broker is down the publish is logged and skipped, and the module's beat sweeper finds the row
later (events, alerts, imports, surveys and reminders each have one). No publish retries, so a
webhook's or a page's response never waits on the broker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def publish(task: Any, *args: Any, eta: datetime | None = None, what: str = "") -> bool:
    """Send ``task(*args)`` to the broker now. Returns False (and logs) if the broker is down."""
    try:
        if eta is not None and eta > timezone.now():
            task.apply_async(args, eta=eta, retry=False)
        else:
            task.apply_async(args, retry=False)
    except Exception:
        logger.warning(
            "Broker unavailable; %s left for the sweeper",
            what or f"{getattr(task, 'name', task)}{args}",
            exc_info=True,
        )
        return False
    return True


def enqueue_on_commit(
    task: Any, *args: Any, eta: datetime | None = None, what: str = "", here: bool = False
) -> None:
    """Publish ``task(*args)`` once the surrounding transaction commits (at once outside one).

    ``here``: the task is short and safe to run in this process (it claims its row first and
    keeps its own retries). Inside ``run_here()`` and when due now, it then runs right after
    the block instead of going through the broker.
    """
    transaction.on_commit(lambda: _publish_or_keep(task, args, eta, what, here))


# What a ``run_here()`` block runs when it ends: (run, on_error, what) for each.
_Kept = tuple[Callable[[], Any], Callable[[], Any], str]
_here: ContextVar[list[_Kept] | None] = ContextVar("crossdock_run_here", default=None)


def _publish_or_keep(
    task: Any, args: tuple[Any, ...], eta: datetime | None, what: str, here: bool
) -> None:
    kept = _here.get()
    if here and kept is not None and runs_here(eta):
        kept.append((lambda: task(*args), lambda: publish(task, *args, what=what), what))
        return
    publish(task, *args, eta=eta, what=what)


def runs_here(eta: datetime | None = None) -> bool:
    """Whether work due at ``eta`` (None: now) and handed over now would run in this process
    when the surrounding ``run_here()`` block ends."""
    return _here.get() is not None and (eta is None or eta <= timezone.now())


def here_on_commit(run: Callable[[], Any], *, on_error: Callable[[], Any], what: str) -> None:
    """Once the surrounding transaction commits, ``run()`` in this process when the current
    ``run_here()`` block ends; if it raises, ``on_error()`` (which hands the work to a worker
    or to the module's sweeper). Only inside a ``run_here()`` block (see ``runs_here``)."""

    def keep() -> None:
        kept = _here.get()
        if kept is None:  # committed after the block ended: a worker takes it
            on_error()
            return
        kept.append((run, on_error, what))

    transaction.on_commit(keep)


@contextmanager
def run_here() -> Iterator[None]:
    """Run the ``here`` tasks committed inside the block in this process when it ends (an event
    drain sends the alerts an event made without a broker round trip and a task's overhead).

    The rows those tasks work on are committed first, so a process killed before or while it
    runs them loses nothing: the module's sweeper finds the rows, as after a lost publish. A
    task that raises is published instead, to be retried by a worker.
    """
    if _here.get() is not None:  # nested: the outer block runs them
        yield
        return
    kept: list[_Kept] = []
    token = _here.set(kept)
    try:
        yield
    finally:
        _here.reset(token)
        for run, on_error, what in kept:
            try:
                run()
            except Exception:
                logger.warning("Running %s here failed; handing it over", what, exc_info=True)
                try:
                    on_error()
                except Exception:  # the sweeper finds it
                    logger.warning("Handing %s over failed too", what, exc_info=True)
