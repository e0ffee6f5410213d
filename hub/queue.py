"""Hand work to Celery only once the rows it needs are committed, and never fail a request over it.

Every task is enqueued through here. The row a task works on is the source of truth: when the
broker is down the publish is logged and skipped, and the module's beat sweeper finds the row
later (events, alerts, imports, surveys and reminders each have one). No publish retries, so a
webhook's or a page's response never waits on the broker.
"""

from __future__ import annotations

import logging
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


def enqueue_on_commit(task: Any, *args: Any, eta: datetime | None = None, what: str = "") -> None:
    """Publish ``task(*args)`` once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish(task, *args, eta=eta, what=what))
