"""The embedded default's email: one console line per message, the message whole on disk."""

import email
import io

from django.core.mail import EmailMessage, EmailMultiAlternatives

from hub.mailbox import SummaryConsoleBackend


def test_each_message_is_one_console_line_and_a_whole_eml_file(tmp_path):
    out = io.StringIO()
    backend = SummaryConsoleBackend(stream=out, directory=tmp_path / "mail")
    message = EmailMultiAlternatives(
        "Blocker from Marketing: codes not in Onfleet",
        "Marketing raised this blocker.\n" * 40,
        "Crossdock <crossdock@localhost>",
        ["maya@swiftdrop.example", "ravi@swiftdrop.example"],
    )
    message.attach_alternative("<p>Marketing raised this blocker.</p>", "text/html")
    nobody = EmailMessage("To no one", "x", "crossdock@localhost", [])

    assert backend.send_messages([message, nobody]) == 1

    [line] = out.getvalue().splitlines()
    assert line.startswith(
        "Email to maya@swiftdrop.example, ravi@swiftdrop.example: "
        "Blocker from Marketing: codes not in Onfleet ("
    )
    [saved] = (tmp_path / "mail").glob("*.eml")
    assert str(saved) in line
    parsed = email.message_from_bytes(saved.read_bytes())
    assert parsed["Subject"] == "Blocker from Marketing: codes not in Onfleet"
    assert [part.get_content_type() for part in parsed.walk()][1:] == ["text/plain", "text/html"]
