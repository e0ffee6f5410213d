"""How the hub sends a message without knowing any app: the one outbox plugs in here.

The hub imports no app, yet it sends invitations. ``handoffs`` (which owns the outbox) installs
its ``notify`` with ``set_sender`` in its ``AppConfig.ready()``; ``send`` then takes the same
keyword arguments as ``handoffs.services.notify`` (to, title, body, link, link_label, via,
unsubscribe_url, dedupe_key) and writes the message to the outbox: retried, recorded, and sent
only once the surrounding transaction commits. Apps other than the hub call
``handoffs.services.notify`` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_sender: Callable[..., Any] | None = None


def set_sender(sender: Callable[..., Any]) -> None:
    """Install the outbox's notify (called once, from the owning app's ready())."""
    global _sender
    _sender = sender


def send(**message: Any) -> Any:
    """Write ``message`` to the outbox; see ``handoffs.services.notify`` for its arguments."""
    if _sender is None:
        raise ImproperlyConfigured("No outbox is installed: add 'handoffs' to INSTALLED_APPS.")
    return _sender(**message)
