"""Request limits per client address, counted in the shared cache (every process sees them).

A fixed window per limit: the first request of a window creates its counter with the window's
lifetime, and requests increment it atomically (Redis INCRBY), so two web processes never
count alone.

Far from the limit a process does not tell the cache about every request: it counts locally
and adds its count to the shared counter once it reaches a share of what is left
(``(limit − count) / SHARES``, at most ``BATCH_MAX``). A webhook then costs no cache round trip
on most requests, while a limit that is close is counted request by request, exactly as before.
A refusal is always decided on the shared count. What the batching can let through beyond a
limit is bounded: each process holds at most ``BATCH_MAX`` uncounted requests, so with N web
processes a window admits at most ``limit + N × BATCH_MAX`` (and nothing extra when the limit is
below ``SHARES`` requests: then every request is counted at once).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def parse(rate: str) -> tuple[int, int]:
    """``"60/60"`` → (60 requests, per 60 seconds)."""
    count, _, seconds = rate.partition("/")
    return int(count), int(seconds or 60)


# Addresses already worked out, by what they were worked out from: allauth's parsing and
# validation cost more than the rest of the rate limit on every webhook.
_addresses: dict[tuple, str] = {}


def client_ip(request: HttpRequest) -> str:
    """The client's address, as sign-in throttling sees it (trusted proxies honoured)."""
    header = getattr(settings, "ALLAUTH_TRUSTED_CLIENT_IP_HEADER", None)
    meta = request.META
    key = (
        meta.get("REMOTE_ADDR"),
        meta.get("HTTP_X_FORWARDED_FOR"),
        getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0),
        header,
        request.headers.get(header) if header else None,
    )
    address = _addresses.get(key)
    if address is None:
        try:
            address = get_adapter(request).get_client_ip(request)
        except PermissionDenied:
            address = meta.get("REMOTE_ADDR") or "unknown"
        if len(_addresses) >= KEEP_WINDOWS:
            _addresses.clear()
        _addresses[key] = address
    return address


# A process sends its local count once it reaches (limit − shared count) / SHARES: with up to
# SHARES web processes counting at once, they cannot together pass the limit unseen.
SHARES = 16
# …and never holds more than this many requests uncounted (the bound on overshoot per process).
BATCH_MAX = 64


@dataclass
class _Window:
    """This process's view of one counter: the shared count it last saw, and the requests it
    admitted since without adding them to the shared counter."""

    key: str
    ends: float
    seen: int = 0
    pending: int = 0


_windows: dict[str, _Window] = {}
_lock = threading.Lock()
# Past this many addresses tracked, the windows that ended are dropped (a scan of many
# addresses must not grow a process without bound).
KEEP_WINDOWS = 10_000


def hit(scope: str, who: str, rate: str, *, now: float | None = None) -> float | None:
    """Count one request; None while under the limit, else the seconds until it lifts."""
    limit, window = parse(rate)
    now = time.time() if now is None else now
    bucket = math.floor(now / window)
    key = f"ratelimit:{scope}:{who}:{bucket}"
    slot = f"{scope}:{who}"
    with _lock:
        state = _windows.get(slot)
        if state is None or state.key != key:  # a new window (its predecessor's count is moot)
            if len(_windows) >= KEEP_WINDOWS:
                for old in [s for s, w in _windows.items() if w.ends <= now]:
                    del _windows[old]
            state = _windows[slot] = _Window(key, ends=(bucket + 1) * window)
        state.pending += 1
        room = limit - state.seen
        if state.seen + state.pending <= limit and state.pending < min(BATCH_MAX, room // SHARES):
            return None  # far from the limit: counted here, sent with a later request
        add, state.pending = state.pending, 0
    try:
        count = _count(key, window + 1, add)
    except Exception:
        with _lock:  # not counted: keep it for the next try, then let the error through
            state.pending += add
        raise
    with _lock:
        state.seen = max(state.seen, count)
    if count <= limit:
        return None
    return max(1.0, (bucket + 1) * window - now)


def reset() -> None:
    """Forget this process's local counts (tests that clear the shared counters call it)."""
    with _lock:
        _windows.clear()


def _count(key: str, lifetime: int, add: int = 1) -> int:
    """Add ``add`` to the window's counter and return it.

    On Redis one round trip (INCRBY and EXPIRE pipelined): the cache API's add + incr took
    three (Django's incr checks EXISTS first). Elsewhere (the database cache, locmem) the cache
    API.
    """
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        full = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incrby(full, add)
        pipe.expire(full, lifetime)
        count, _ = pipe.execute()
        return int(count)
    cache.add(key, 0, timeout=lifetime)
    try:
        return cache.incr(key, add)
    except ValueError:  # the counter expired between add and incr: a new window
        cache.add(key, add, timeout=lifetime)
        return add
