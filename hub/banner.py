"""What ``make run`` prints where a person looks: the URL and the demo logins, at start and
again once the worker is ready (so the worker's own start-up lines never bury them)."""

from __future__ import annotations

import os
import sys
import threading

from django.conf import settings


def banner_text(port: str | None = None, *, ready: bool = False) -> str:
    from hub import demo

    port = port or os.environ.get("PORT", "8000")
    db = settings.DATABASES["default"]
    lines = [
        "",
        "  " + "─" * 64,
        f"  Crossdock {'is ready' if ready else 'is starting'} on http://127.0.0.1:{port}/",
        f"  Database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}",
        f"  Broker:   {settings.CELERY_BROKER_URL.split('@')[-1]}",
        "  Sign in with one of the demo logins:",
        *(f"    {email:28} {password}   {what}" for email, password, what in demo.demo_logins()),
        "  API docs: /api/docs/   Stop everything with Ctrl-C.",
        "  " + "─" * 64,
        "",
    ]
    return "\n".join(lines)


def print_when_worker_ready(**_kwargs) -> None:
    """Celery ``worker_ready`` receiver (connected when CROSSDOCK_RUN_BANNER is set)."""
    # The signal fires just before Celery logs its own "ready." line: print a moment later so
    # the banner is the last thing on the screen.
    text = banner_text(ready=True)
    threading.Timer(1.0, _write, args=(text,)).start()


def _write(text: str) -> None:
    # The worker redirects sys.stdout into its log; the banner goes to the terminal as is.
    stream = sys.__stdout__ or sys.stdout
    stream.write(text + "\n")
    stream.flush()
