"""Repeat-safe API calls: the ``Idempotency-Key`` header (as Stripe and Zapier/Make use it).

A client that retries a POST with the same key gets the first answer again and nothing is done
twice; the same key with a different body is refused. Keys are kept per person and endpoint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from hub.errors import DomainError
from hub.models import IdempotencyKey, User

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def run_once(
    *, user: User, scope: str, key: str, body: bytes, run: Callable[[], tuple[int, Any]]
) -> tuple[int, Any, bool]:
    """Run ``run()`` (returning status and JSON-able data) once per (user, scope, key).

    Returns (status, data, replayed). The work and the key commit together, so a crash leaves
    neither; two requests racing with one key do the work once.
    """
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(f"An {HEADER} is 1 to {MAX_KEY_LENGTH} characters.", field=HEADER)
    fingerprint = hashlib.sha256(body).hexdigest()

    def stored() -> tuple[int, Any, bool] | None:
        found = IdempotencyKey.objects.filter(user=user, scope=scope, key=key).first()
        if found is None:
            return None
        if found.fingerprint != fingerprint:
            raise DomainError(
                f"This {HEADER} was already used for a different request; use a new key.",
                field=HEADER,
                code="idempotency_key_reused",
            )
        return found.status_code, found.response, True

    earlier = stored()
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            status, data = run()
            IdempotencyKey.objects.create(
                user=user,
                scope=scope,
                key=key,
                fingerprint=fingerprint,
                status_code=status,
                response=data,
            )
    except IntegrityError:
        again = stored()  # the racing twin committed first: its answer is the answer
        if again is None:
            raise
        return again
    return status, data, False
