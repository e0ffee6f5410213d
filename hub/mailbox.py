"""The embedded default's email backend: every message saved whole as an .eml file under
``var/mail/`` and announced on one line of the console.

Used when EMAIL_URL is unset (``make run``): a newcomer sees who was emailed and about what,
and can open any message in a mail client, without the console filling with MIME parts.
Production sets EMAIL_URL to an SMTP server.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.text import slugify


class SummaryConsoleBackend(BaseEmailBackend):
    def __init__(self, *args: Any, stream: Any = None, directory: Path | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self.directory = Path(directory or settings.VAR_DIR / "mail")
        self._lock = threading.Lock()

    def send_messages(self, email_messages) -> int:
        sent = 0
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            for message in email_messages:
                recipients = message.recipients()
                if not recipients:
                    continue
                stamp = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
                path = self.directory / f"{stamp}-{slugify(message.subject)[:60] or 'email'}.eml"
                path.write_bytes(message.message().as_bytes(linesep="\n"))
                shown = os.path.relpath(path) if path.is_relative_to(Path.cwd()) else path
                self.stream.write(
                    f"Email to {', '.join(recipients)}: {message.subject} ({shown})\n"
                )
                self.stream.flush()
                sent += 1
        return sent
