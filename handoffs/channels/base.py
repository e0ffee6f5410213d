"""The shape of every outbound channel."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import requests
from django.conf import settings

from handoffs.channels import safety

TIMEOUT_SECONDS = 10


def timeout_seconds() -> float:
    return float(getattr(settings, "CROSSDOCK_CHANNEL_TIMEOUT", TIMEOUT_SECONDS))


@dataclass(frozen=True)
class Message:
    """What one alert says, ready for any channel."""

    uuid: str
    title: str
    body: str
    team: str
    link: str = ""
    ack_url: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    # A digest folds several handoffs into one message: (title, link, ack_url) each.
    items: list[tuple[str, str, str]] = field(default_factory=list)
    purpose: str = "notify"
    # Email: the people to write to, and each one's own acknowledgement link.
    recipients: list[tuple[str, str]] = field(default_factory=list)
    # The words on the link's button ("Answer the survey"); "Open in Crossdock" when empty.
    link_label: str = ""
    # Email only: a one-click way out of this kind of message (List-Unsubscribe, RFC 8058).
    unsubscribe_url: str = ""


@dataclass(frozen=True)
class Sent:
    status_code: int | None
    response: str = ""


class ChannelError(Exception):
    """Sending failed. ``permanent``: retrying cannot help (bad URL, removed channel…)."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        status_code: int | None = None,
        retry_after: float | None = None,
        response: str = "",
    ):
        super().__init__(message)
        self.permanent = permanent
        self.status_code = status_code
        self.retry_after = retry_after
        self.response = response


class Sender(ABC):
    kind: str = ""
    # At most one message per this many seconds per channel (Slack: about one per second).
    min_interval: float = 0.0
    # Fold bursts into one digest message instead of sending each.
    digests: bool = False

    def fits(self, message: Message) -> int:
        """How many of a digest's items (in order) one message can carry; at least one.

        The outbox sends those and leaves the rest pending for the next message, so a channel's
        size limits never cut a digest short.
        """
        return len(message.items)

    @abstractmethod
    def send(self, target: str, message: Message, *, secret: str = "") -> Sent:
        """Deliver ``message``; raise ChannelError on failure."""


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def post(url: str, **kwargs) -> requests.Response:
    """POST with a timeout, to a public address only, following no redirect.

    Network trouble becomes a transient ChannelError; an internal address or a redirect a
    permanent one (the URL must change).
    """
    limit = timeout_seconds()
    try:
        response = safety.post(url, timeout=limit, **kwargs)
    except safety.Unresolved as exc:  # DNS may answer again on the next try
        raise ChannelError(str(exc)) from exc
    except safety.UnsafeURL as exc:
        raise ChannelError(str(exc), permanent=True) from exc
    except requests.Timeout as exc:
        raise ChannelError(f"No answer within {limit:g} s") from exc
    except requests.RequestException as exc:
        raise ChannelError(f"Could not connect: {type(exc).__name__}") from exc
    if response.is_redirect:
        raise ChannelError(
            f"The URL answered {response.status_code}, a redirect; Crossdock does not follow "
            "redirects: paste the final URL.",
            permanent=True,
            status_code=response.status_code,
        )
    return response


def post_json(url: str, payload: dict, headers: dict | None = None) -> requests.Response:
    return post(url, json=payload, headers=headers or {})


# Slack names its errors with a short code (``invalid_payload``, ``no_service``): worth keeping.
_ERROR_CODE = re.compile(r"^[a-z][a-z_]{0,59}$")


def answer_summary(response: requests.Response) -> str:
    """What of an endpoint's answer Crossdock keeps and shows: a short error code, nothing else.

    The body itself is never stored or shown: a URL that reached somewhere it should not must
    not carry that place's answer back to a person.
    """
    text = response.text.strip()
    return text if _ERROR_CODE.match(text) else ""


def short(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Answers from an incoming-webhook service that retrying will not fix.
# (413: the message is too large for the service, and stays so.)
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 410, 413})


def webhook_answer(
    service: str, response: requests.Response, *, ok: bool, default_retry_after: float
) -> Sent:
    """Turn a chat webhook's answer into Sent, or the ChannelError that says what to do next."""
    text = answer_summary(response)
    if ok:
        return Sent(response.status_code, text)
    if response.status_code == 429:
        raise ChannelError(
            f"{service} rate limit",
            status_code=429,
            retry_after=retry_after_seconds(response) or default_retry_after,
            response=text,
        )
    raise ChannelError(
        f"{service} answered {response.status_code} {text}".strip(),
        permanent=response.status_code in PERMANENT_STATUSES,
        status_code=response.status_code,
        response=text,
    )
