"""Every page and endpoint checks who is asking: anonymous, outsider, member, manager, admin."""

import pytest
from django.urls import reverse

MEMBER_PAGES = [
    "/",
    "/inbox/",
    "/teams/",
    "/teams/operations/",
    "/workflows/",
    "/kpis/",
    "/handoffs/",
    "/feedback/",
    "/standups/",
    "/wiki/",
]
ADMIN_PAGES = ["/people/", "/audit/"]
ADMIN_POSTS = [
    ("/teams/operations/edit/", {"name": "Ops", "kind": "operations"}),
    ("/teams/operations/delete/", {}),
    ("/teams/operations/members/", {"email": "member@crossdock.test", "role": "admin"}),
    ("/people/", {"email": "new@crossdock.test", "team": "1", "role": "member"}),
    ("/teams/", {"name": "Finance", "kind": "other"}),
]
PUBLIC = ["/accounts/login/", "/accounts/password/reset/", "/healthz"]


@pytest.mark.parametrize("url", MEMBER_PAGES + ADMIN_PAGES)
def test_anonymous_is_sent_to_sign_in(client, db, ops, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_need_no_sign_in(client, db, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [u for u in MEMBER_PAGES if u != "/" and u != "/inbox/"])
def test_outsider_in_no_team_is_refused(client_for, outsider, ops, url):
    assert client_for(outsider).get(url).status_code == 403


def test_outsider_home_says_to_ask_for_a_team(client_for, outsider):
    response = client_for(outsider).get("/")
    assert response.status_code == 200
    assert "ask an admin to add you" in response.content.decode()


@pytest.mark.parametrize("url", MEMBER_PAGES)
def test_member_sees_every_module(client_for, member, url):
    assert client_for(member).get(url).status_code == 200


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_member_and_manager_cannot_manage_people(client_for, member, manager, url):
    assert client_for(member).get(url).status_code == 403
    assert client_for(manager).get(url).status_code == 403


@pytest.mark.parametrize(("url", "data"), ADMIN_POSTS)
def test_member_cannot_change_teams_or_people(client_for, member, marketing, url, data):
    from hub.models import Invitation, Team

    before = (Team.objects.count(), Invitation.objects.count(), member.memberships.get().role)
    response = client_for(member).post(url, data)
    assert response.status_code == 403
    after = (Team.objects.count(), Invitation.objects.count(), member.memberships.get().role)
    assert after == before


@pytest.mark.parametrize("url", MEMBER_PAGES + ADMIN_PAGES)
def test_admin_sees_everything(client_for, admin_user, url):
    assert client_for(admin_user).get(url).status_code == 200


def test_superuser_from_createsuperuser_is_an_admin(client, db, monkeypatch, ops):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password-1")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@crossdock.test")
    call_command("createsuperuser", "--noinput", "--username", "root", verbosity=0)

    assert client.login(username="root", password="a-long-enough-password-1")
    assert client.get("/people/").status_code == 200


def test_deactivated_person_cannot_sign_in(client, member):
    member.is_active = False
    member.save()
    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": "correct horse battery staple"},
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] != "/"


def test_sign_in_with_email_reaches_home(client, member):
    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_public_signup_is_closed(client, db):
    response = client.post(
        "/accounts/signup/",
        {"email": "stranger@crossdock.test", "password1": "x" * 12, "password2": "x" * 12},
    )
    from hub.models import User

    assert not User.objects.filter(email="stranger@crossdock.test").exists()
    assert response.status_code == 200
    assert "closed" in response.content.decode().lower()


def test_security_headers_are_set(client_for, member):
    response = client_for(member).get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_password_reset_sends_a_link_by_email(client, member):
    from django.core import mail

    response = client.post("/accounts/password/reset/", {"email": member.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_login_page_does_not_offer_signup(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/signup/" not in page
    assert "invitation-only" in page


def test_sign_ins_are_in_the_audit_log(client, member):
    from hub.models import AuditLog

    client.post(
        reverse("account_login"),
        {"login": member.email, "password": "correct horse battery staple"},
    )
    assert AuditLog.objects.filter(action="user.sign_in", actor=member).count() == 1
