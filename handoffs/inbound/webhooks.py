"""The public inbound endpoint: /hooks/<token>/ (no sign-in; the signature is the proof).

Served without the browser middleware (settings.CROSSDOCK_MACHINE_ROUTES): this view checks
who is asking itself, the token first and then the provider's signature.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from handoffs import selectors, services
from handoffs.inbound.providers import provider_for
from handoffs.models import Integration

logger = logging.getLogger(__name__)

# Integrations by token, as this process last read them: (valid until, integration). A saved,
# paused, rotated or deleted integration is forgotten at once in the process that changed it
# (signals below) and within CROSSDOCK_INTEGRATION_CACHE_SECONDS in every other process.
_known: dict[str, tuple[float, Integration]] = {}
KEEP_KNOWN = 1000


def integration_for_token(token: str) -> Integration | None:
    """The integration of a webhook URL, read from the database at most once per
    CROSSDOCK_INTEGRATION_CACHE_SECONDS per process (an unknown token is looked up each time)."""
    now = time.monotonic()
    known = _known.get(token)
    if known is not None and known[0] > now:
        return known[1]
    integration = selectors.integration_for_token(token)
    ttl = settings.CROSSDOCK_INTEGRATION_CACHE_SECONDS
    if integration is not None and ttl > 0:
        if len(_known) >= KEEP_KNOWN:
            _known.clear()
        _known[token] = (now + ttl, integration)
    return integration


def forget(token: str) -> None:
    """Drop this process's copy of an integration (it changed)."""
    _known.pop(token, None)


def _forget_changed(sender, instance: Integration, **kwargs) -> None:
    forget(instance.token)
    # …and again once the change commits: a request that read the old row meanwhile may have
    # put it back.
    transaction.on_commit(lambda: forget(instance.token))


post_save.connect(_forget_changed, sender=Integration, dispatch_uid="webhooks.forget-saved")
post_delete.connect(_forget_changed, sender=Integration, dispatch_uid="webhooks.forget-deleted")


@csrf_exempt
@login_not_required
def webhook(request: HttpRequest, token: str):
    # No health check (a SELECT 1 before the request's first query): a connection that died
    # fails the request's first statement instead, which is answered 503 below (providers
    # retry), and Django drops that connection when the request ends.
    connection.health_check_done = True  # type: ignore[attr-defined]  # (not in the stubs)
    try:
        integration = integration_for_token(token)
        if integration is None:
            return JsonResponse({"detail": "Unknown webhook URL."}, status=404)
        if request.method == "GET":
            handshake = provider_for(integration.kind).handshake(request)
            if handshake is not None:
                return handshake
        if request.method != "POST":
            response = JsonResponse({"detail": "Send events with POST."}, status=405)
            response["Allow"] = "POST"
            return response
        received = services.webhook_receive(integration=integration, request=request)
    except DatabaseError:
        # Our side is down: ask the provider to retry, never to give up.
        logger.exception("Database unavailable while receiving a webhook")
        response = JsonResponse({"detail": "Temporarily unavailable; retry later."}, status=503)
        response["Retry-After"] = "60"
        return response
    response = JsonResponse(received.body, status=received.status)
    for name, value in received.headers.items():
        response[name] = value
    return response
