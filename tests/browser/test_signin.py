import pytest

from hub import services
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_sign_in_and_see_the_home_page(page, member):
    sign_in(page, member.email)

    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Good to see you")
    assert page.get_by_role("link", name="Operations").first.is_visible()
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="KPIs").is_visible()
    assert page.console_errors == []


def test_wrong_password_shows_an_error_and_stays_signed_out(page, member):
    sign_in(page, member.email, "not the password")

    assert page.get_by_text("not correct").is_visible()
    page.goto("/inbox/")
    assert "/accounts/login/" in page.url


def test_mark_a_notification_read_in_place(page, member):
    services.notification_create(recipient=member, title="Promo NORTH20 created")
    sign_in(page, member.email)
    page.goto("/inbox/")
    assert page.get_by_test_id("unread-count").inner_text() == "1"

    page.get_by_role("button", name="Mark read").click()

    page.get_by_role("button", name="Mark read").wait_for(state="detached")
    assert page.url.endswith("/inbox/")  # swapped in place by htmx, no navigation
    page.reload()
    assert page.get_by_test_id("unread-count").count() == 0
    assert page.console_errors == []


def test_admin_opens_the_api_docs(page, admin_user):
    sign_in(page, admin_user.email)
    page.wait_for_url("**/")
    page.goto("/api/docs/")

    page.get_by_text("/api/v1/teams/").first.wait_for()
    assert page.get_by_text("Crossdock API").first.is_visible()
