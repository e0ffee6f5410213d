"""The shape every inbound provider has."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime

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
    # The payload's JSON text as received, when the payload is the whole body: stored as it
    # is, not encoded again from the parse (``hub.events.record``'s ``payload_json``).
    payload_json: str | None = None


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


# Deeper than any provider's real payload; far below where parsing or storing would recurse.
MAX_DEPTH = 64


def load_json(body: bytes) -> Any:
    """The body as JSON, or Rejected(400) with what is wrong: not JSON, nested deeper than
    MAX_DEPTH, or holding a NUL character (which the database cannot store in text)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Rejected(400, f"The body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise Rejected(400, f"The JSON is nested deeper than {MAX_DEPTH} levels.") from exc
    # JSON can only spell a NUL as the escape \u0000 (a raw one is refused by the parser), and
    # cannot nest deeper than it has brackets: a body with neither needs no walk of its values.
    if b"\\u0000" in body or body.count(b"{") + body.count(b"[") > MAX_DEPTH:
        check_storable(data)
    return data


def check_storable(data: Any) -> None:
    """Rejected(400) if ``data`` nests deeper than MAX_DEPTH or holds a NUL character."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise Rejected(400, f"The JSON is nested deeper than {MAX_DEPTH} levels.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    raise Rejected(400, _NUL_REASON)
                stack.append((item, depth + 1))
        elif isinstance(value, str) and "\x00" in value:
            raise Rejected(400, _NUL_REASON)


_NUL_REASON = "The body holds a NUL character (\\u0000), which Crossdock cannot store: remove it."


def parse_when(value: Any, field: str) -> datetime | None:
    """An ISO 8601 date-time from a payload: None when absent or in another format (the event
    keeps its arrival time), Rejected(400) when it names a time that cannot exist."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError as exc:
        raise Rejected(400, f"'{field}' is not a real date and time ({value[:40]!r}).") from exc
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


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
