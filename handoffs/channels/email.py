"""Email: HTML and plain text, each recipient with their own one-click acknowledgement link."""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from handoffs.channels.base import ChannelError, Message, Sender, Sent


class EmailSender(Sender):
    kind = "email"

    def send(self, target: str, message: Message, *, secret: str = "") -> Sent:
        if not message.recipients:
            raise ChannelError("Nobody to email: the team has no active members.", permanent=True)
        subject = message.title if len(message.title) < 200 else message.title[:197] + "…"
        try:
            with get_connection(timeout=15) as connection:
                for address, ack_url in message.recipients:
                    context = {"m": message, "ack_url": ack_url}
                    headers = {"X-Crossdock-Alert": message.uuid}
                    if message.unsubscribe_url:
                        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
                        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
                    mail = EmailMultiAlternatives(
                        subject=subject,
                        body=render_to_string("handoffs/email/alert.txt", context),
                        to=[address],
                        headers=headers,
                        connection=connection,
                    )
                    mail.attach_alternative(
                        render_to_string("handoffs/email/alert.html", context), "text/html"
                    )
                    mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError(f"Recipients refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise ChannelError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                permanent=permanent,
                status_code=exc.smtp_code,
            ) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"Mail server unavailable: {type(exc).__name__}") from exc
        return Sent(250, f"sent to {len(message.recipients)}")
