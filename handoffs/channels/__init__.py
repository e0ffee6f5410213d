"""Outbound channels: one class per kind, one error type that says whether to retry."""

from handoffs.channels.base import ChannelError, Message, Sender, Sent
from handoffs.channels.email import EmailSender
from handoffs.channels.inbox import InboxSender
from handoffs.channels.slack import SlackSender
from handoffs.channels.teams import TeamsSender
from handoffs.channels.webhook import WebhookSender

SENDERS: dict[str, Sender] = {
    s.kind: s for s in (SlackSender(), EmailSender(), TeamsSender(), WebhookSender(), InboxSender())
}


def sender_for(kind: str) -> Sender:
    return SENDERS[kind]


__all__ = ["SENDERS", "ChannelError", "Message", "Sender", "Sent", "sender_for"]
