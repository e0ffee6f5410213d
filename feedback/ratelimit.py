"""A small fixed-window limiter on Django's cache, for the public survey pages."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is the client's to forge unless a proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; False once it has had ``limit`` hits in the current window."""
    name = f"feedback-rl:{key}"
    if cache.add(name, 1, timeout=window_seconds):
        return True
    try:
        hits = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window_seconds)
        return True
    return hits <= limit


def allow_request(request: HttpRequest, scope: str) -> bool:
    """Per IP (60 a minute) and, for a POST, per link (10 a minute)."""
    if not allow(f"ip:{client_ip(request)}", 60, 60):
        return False
    if request.method == "POST":
        return allow(f"post:{scope}", 10, 60)
    return True
