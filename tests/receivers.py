"""Local stand-ins for third-party services, on 127.0.0.1, answering as the real ones do.

``HttpReceiver`` plays a Slack or Teams incoming webhook (or any endpoint): it records every
request and answers from a script of responses (status, body, headers, delay), falling back to
a default answer. ``SmtpReceiver`` is a real SMTP server that keeps what it is sent.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


@dataclass
class Reply:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Hang for ``delay`` seconds, then close the connection without an answer (nothing posted).
    drop: bool = False


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    # The status the receiver answered with, once the answer was written (None: no answer).
    answered: int | None = None
    # The sender's TCP port: the same port twice means one connection carried both requests.
    client_port: int = 0

    def json(self):
        return json.loads(self.body)


class HttpReceiver:
    def __init__(
        self,
        default: Reply | None = None,
        check: Callable[[bytes], Reply | None] | None = None,
        *,
        keep_alive: bool = False,
    ):
        self.default = default or Reply()
        # The service's own refusals (a payload over its limits), before any scripted answer.
        self.check = check
        self.script: list[Reply] = []
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keeps the connection open between requests, as Slack and Teams do.
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
            # Answer at once, as the services' edges do: with Nagle's algorithm on, a body
            # written after the headers waits for the client's delayed ACK (40 ms on Linux).
            disable_nagle_algorithm = True

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                refusal = receiver.check(body) if receiver.check else None
                received = Received(self.path, dict(self.headers), body)
                received.client_port = self.client_address[1]
                with receiver.lock:
                    receiver.requests.append(received)
                    if refusal is not None:
                        reply = refusal
                    else:
                        reply = receiver.script.pop(0) if receiver.script else receiver.default
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                payload = reply.body.encode()
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    self.wfile.flush()
                    received.answered = reply.status
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/hook"

    def then(self, *replies: Reply) -> HttpReceiver:
        with self.lock:
            self.script.extend(replies)
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# Slack's documented answers for incoming webhooks.
SLACK_OK = Reply(200, "ok")
SLACK_INVALID_PAYLOAD = Reply(400, "invalid_payload")
SLACK_NO_SERVICE = Reply(404, "no_service")
SLACK_RATE_LIMITED = Reply(429, "rate_limited", {"Retry-After": "3"})
SLACK_ERROR = Reply(500, "internal_error")
SLACK_INVALID_BLOCKS = Reply(400, "invalid_blocks")


def slack_limits(body: bytes) -> Reply | None:
    """Slack refuses a whole message over Block Kit's documented limits: 50 blocks, 3,000
    characters of section text, 150 of header text, 10 fields of 2,000 each."""
    try:
        payload = json.loads(body)
    except ValueError:
        return SLACK_INVALID_PAYLOAD
    blocks = payload.get("blocks") or []
    if not payload.get("text") and not blocks:
        return Reply(400, "no_text")
    if len(blocks) > 50:
        return SLACK_INVALID_BLOCKS
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        limit = 150 if block.get("type") == "header" else 3000
        fields = block.get("fields") or []
        if len(text) > limit or len(fields) > 10:
            return SLACK_INVALID_BLOCKS
        if any(len(f.get("text", "")) > 2000 for f in fields):
            return SLACK_INVALID_BLOCKS
    return None


def teams_limits(body: bytes) -> Reply | None:
    """Teams refuses a message over 28 KB."""
    return Reply(413, "Request Entity Too Large") if len(body) > 28 * 1024 else None


class _Handler:
    def __init__(self, store: list):
        self.store = store

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.store.append({"to": list(envelope.rcpt_tos), "message": message})
        return "250 Message accepted for delivery"


class SmtpReceiver:
    def __init__(self):
        self.messages: list[dict] = []
        with socket.socket() as probe:  # a free port (the controller checks it by connecting)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(_Handler(self.messages), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def texts(self) -> list[str]:
        return [m["message"].get_body(("plain",)).get_content() for m in self.messages]
