"""The shape every inbound provider has."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from hub.models import Event


class Rejected(Exception):
    """The request is refused with ``status`` and a reason the sender can act on."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Incoming:
    """One event found in a provider's request."""

    type: str
    external_id: str
    payload: dict[str, Any]
    occurred_at: datetime | None = None
    unmapped: bool = False
    subject: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Provider(ABC):
    kind: str = ""
    label: str = ""
    # Whether Crossdock makes the secret (True) or the provider hands it out (False).
    generates_secret: bool = False
    secret_help: str = ""

    def handshake(self, request: HttpRequest) -> HttpResponse | None:
        """Answer a provider's URL check (GET), or None if it has none."""
        return None

    def validate_secret(self, secret: str) -> str | None:
        """A message if ``secret`` cannot be this provider's secret, else None."""
        return None if secret.strip() else "Paste the signing secret."

    @abstractmethod
    def verify(self, request: HttpRequest, body: bytes, secrets: list[str], now: datetime) -> None:
        """Raise Rejected(401, …) unless one of ``secrets`` signed this request."""

    @abstractmethod
    def parse(self, request: HttpRequest, body: bytes) -> list[Incoming]:
        """The events in the (verified) body; Rejected(400, …) if it is not what we expect."""

    def adapt(self, event: Event) -> bool:
        """Apply the event to the shared facts, idempotently. False if it maps to nothing."""
        return False


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Rejected(400, f"The body is not valid JSON: {exc}") from exc


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def ms_to_datetime(value: Any) -> datetime | None:
    """Epoch milliseconds (as providers send them) to an aware datetime, or None."""
    if value in (None, "", 0):
        return None
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
