"""The in-app inbox: one notification per member of the team."""

from __future__ import annotations

from handoffs.channels.base import Message, Sender, Sent


class InboxSender(Sender):
    kind = "inbox"

    def send(self, target: str, message: Message, *, secret: str = "") -> Sent:
        # The inbox is written by the service that owns notifications; see alert_send.
        return Sent(None, "inbox")
