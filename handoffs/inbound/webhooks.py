"""The public inbound endpoint: /hooks/<token>/ (no sign-in; the signature is the proof)."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from handoffs import selectors, services
from handoffs.inbound.providers import provider_for

logger = logging.getLogger(__name__)


@csrf_exempt
@login_not_required
def webhook(request: HttpRequest, token: str):
    try:
        integration = selectors.integration_for_token(token)
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
