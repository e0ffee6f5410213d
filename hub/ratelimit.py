"""Request limits per client address, counted in the shared cache (every process sees them).

A fixed window per limit: the first request of a window creates its counter with the window's
lifetime, each request increments it atomically (Redis INCR), so two web processes never
count alone.
"""

from __future__ import annotations

import math
import time

from allauth.account.adapter import get_adapter
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def parse(rate: str) -> tuple[int, int]:
    """``"60/60"`` → (60 requests, per 60 seconds)."""
    count, _, seconds = rate.partition("/")
    return int(count), int(seconds or 60)


def client_ip(request: HttpRequest) -> str:
    """The client's address, as sign-in throttling sees it (trusted proxies honoured)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return request.META.get("REMOTE_ADDR") or "unknown"


def hit(scope: str, who: str, rate: str, *, now: float | None = None) -> float | None:
    """Count one request; None while under the limit, else the seconds until it lifts."""
    limit, window = parse(rate)
    now = time.time() if now is None else now
    bucket = math.floor(now / window)
    key = f"ratelimit:{scope}:{who}:{bucket}"
    count = _count(key, window + 1)
    if count <= limit:
        return None
    return max(1.0, (bucket + 1) * window - now)


def _count(key: str, lifetime: int) -> int:
    """Add one to the window's counter and return it.

    On Redis one round trip (INCR and EXPIRE pipelined): this runs before every webhook, and
    the cache API's add + incr took three (Django's incr checks EXISTS first). Elsewhere (the
    database cache, locmem) the cache API.
    """
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        full = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incr(full)
        pipe.expire(full, lifetime)
        count, _ = pipe.execute()
        return int(count)
    cache.add(key, 0, timeout=lifetime)
    try:
        return cache.incr(key)
    except ValueError:  # the counter expired between add and incr: a new window
        cache.add(key, 1, timeout=lifetime)
        return 1
