"""Signed acknowledgement links: one click from Slack, Teams or email names the handoff (and the
person, when the link is personal). A link proves nothing but what it was signed for.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from handoffs.models import Handoff
from hub.models import User

ACK_SALT = "crossdock.handoff.ack"
ACK_MAX_AGE = 60 * 60 * 24 * 30


def ack_token(handoff: Handoff, user: User | None = None, channel: str = "") -> str:
    return signing.dumps(
        {"h": handoff.pk, "u": user.pk if user else None, "c": channel},
        salt=ACK_SALT,
        compress=True,
    )


def ack_url(handoff: Handoff, user: User | None = None, channel: str = "") -> str:
    return settings.SITE_URL.rstrip("/") + reverse("ack", args=[ack_token(handoff, user, channel)])


@dataclass(frozen=True)
class AckLink:
    handoff: Handoff
    user: User | None
    channel: str


def ack_link_read(token: str) -> AckLink | None:
    """The handoff (and person) a signed acknowledgement link names, or None if not genuine."""
    try:
        data = signing.loads(token, salt=ACK_SALT, max_age=ACK_MAX_AGE)
    except signing.BadSignature:
        return None
    handoff = (
        Handoff.objects.select_related("team", "acknowledged_by").filter(pk=data.get("h")).first()
    )
    if handoff is None:
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first() if data.get("u") else None
    return AckLink(handoff, user, data.get("c", ""))
