import base64
import hashlib
import hmac
import struct
import time

import pytest

from tests.browser.test_signin import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 code (SHA-1, 30 s, 6 digits), as an authenticator app computes it."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def test_turn_on_totp_then_sign_in_with_a_code(page, member):
    sign_in(page, member.email)
    page.wait_for_url("**/")
    page.goto("/accounts/2fa/totp/activate/")
    if page.get_by_label("Password").count():  # recent-sign-in check
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Confirm").click()

    secret = page.locator("#authenticator_secret").input_value()
    assert len(secret) >= 16
    page.get_by_label("Authenticator code").fill(totp(secret))
    page.get_by_role("button", name="Activate").click()
    page.get_by_text("Recovery Codes").first.wait_for()

    page.context.clear_cookies()
    sign_in(page, member.email)
    page.get_by_text("Two-Factor Authentication").first.wait_for()
    assert "/accounts/2fa/authenticate/" in page.url
    page.get_by_label("Code").fill(totp(secret, time.time() + 30))  # a fresh, unused code
    page.get_by_role("button", name="Sign In").click()

    page.get_by_text("Good to see you").wait_for()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Good to see you")
