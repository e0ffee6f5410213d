from django.core import mail

from hub import services
from hub.models import Invitation, Notification, Role, Team
from tests import outbox


def test_header_shows_unread_count_and_mark_all_read_clears_it(client_for, member):
    for i in range(3):
        services.notification_create(recipient=member, title=f"Note {i}")
    client = client_for(member)

    page = client.get("/inbox/").content.decode()
    assert 'data-testid="unread-count">3<' in page

    client.post("/inbox/read-all/")
    page = client.get("/inbox/").content.decode()
    assert "unread-count" not in page
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_marking_someone_elses_notification_changes_nothing(client_for, member, admin_user):
    theirs = services.notification_create(recipient=admin_user, title="Theirs")
    client_for(member).post(f"/inbox/{theirs.pk}/read/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_htmx_mark_read_returns_the_fragment(client_for, member):
    note = services.notification_create(recipient=member, title="Ping")
    response = client_for(member).post(f"/inbox/{note.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="notification-{note.pk}"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_admin_creates_a_team_in_the_browser(client_for, admin_user):
    response = client_for(admin_user).post("/teams/", {"name": "Finance", "kind": "other"})
    assert response.status_code == 302
    assert Team.objects.filter(name="Finance").exists()


def test_duplicate_team_shows_the_error_on_the_form(client_for, admin_user, ops):
    response = client_for(admin_user).post("/teams/", {"name": "Operations", "kind": "other"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Team.objects.count() == 1


def test_admin_changes_a_role_from_the_team_page(client_for, admin_user, member):
    membership = member.memberships.get()
    client_for(admin_user).post(f"/memberships/{membership.pk}/", {"role": "manager"})
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER


def test_invite_and_accept_in_the_browser(
    client, client_for, admin_user, ops, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_user).post(
            "/people/", {"email": "jo@crossdock.test", "team": ops.pk, "role": "member"}
        )
    invitation = Invitation.objects.get()
    assert outbox.drain() == ["sent"]
    assert len(mail.outbox) == 1
    client.logout()

    url = f"/invitations/{invitation.token}/"
    assert client.get(url).status_code == 200
    mismatch = client.post(
        url, {"first_name": "Jo", "password1": "a-good-password-7", "password2": "other"}
    )
    assert "differ" in mismatch.content.decode()

    response = client.post(
        url,
        {"first_name": "Jo", "password1": "a-good-password-7", "password2": "a-good-password-7"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get(url).status_code == 410


def test_unknown_invitation_token_is_410(client, db):
    assert client.get("/invitations/nope/").status_code == 410


def test_healthz_and_readyz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_is_503_when_the_broker_is_down(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")


def test_home_page_lists_the_persons_teams(client_for, member):
    page = client_for(member).get("/").content.decode()
    assert "Operations" in page
    assert "Your open handoffs" in page


def test_audit_log_shows_who_changed_what(client_for, admin_user):
    client = client_for(admin_user)
    client.post("/teams/", {"name": "Finance", "kind": "other"})
    page = client.get("/audit/").content.decode()
    assert "team.create" in page
    assert "Finance" in page
    assert admin_user.display_name in page
    assert "Finance" not in client.get("/audit/?action=membership.create").content.decode()


def test_marking_read_with_htmx_updates_the_header_count(client_for, member):
    first = services.notification_create(recipient=member, title="One")
    services.notification_create(recipient=member, title="Two")
    response = client_for(member).post(f"/inbox/{first.pk}/read/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'hx-swap-oob="true"' in body
    assert 'data-testid="unread-count">1<' in body


def test_forbidden_pages_explain_and_offer_a_way_back(client_for, member):
    response = client_for(member).get("/people/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "for admins" in page
    assert "Back to your home page" in page


SUMMARY = (
    "# Weekly cross-team — Tuesday 24 November 2026\n\nChair: Tech\n\n## Wins\n\n"
    + "\n".join(f"- Operations: evening slots opened in zone {i}" for i in range(12))
    + "\n\n## Blockers\n\n- Marketing needs Operations: driver photos [open]\n"
)


def test_home_shows_a_one_line_preview_of_a_long_body_and_the_inbox_all_of_it(client_for, member):
    """A standup summary in the inbox made the home page several screens tall, Markdown
    headings and all (found trying `make run`)."""
    note = services.notification_create(recipient=member, title="Standup summary", body=SUMMARY)
    client = client_for(member)

    home = client.get("/").content.decode()
    card = home[home.index(f'id="notification-{note.pk}"') :]
    card = card[: card.index("</li>")]
    assert "Weekly cross-team — Tuesday 24 November 2026 Chair: Tech Wins Operations:" in card
    assert "# Weekly" not in card and "## Wins" not in card
    assert "zone 11" not in card and "…" in card

    inbox = client.get("/inbox/").content.decode()
    assert "## Wins" in inbox and "zone 11" in inbox

    fragment = client.post(
        f"/inbox/{note.pk}/read/", {"short": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Chair: Tech Wins" in fragment and "zone 11" not in fragment
