from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from handoffs.models import Alert
from hub import services
from hub.errors import DomainError
from hub.models import AuditLog, Invitation, Membership, Notification, Role, Team, User
from tests import outbox


def test_team_create_is_audited(admin_user):
    team = services.team_create(actor=admin_user, name=" Finance ", kind=Team.Kind.OTHER)

    assert team.name == "Finance"
    assert team.slug == "finance"
    log = AuditLog.objects.get(action="team.create")
    assert log.actor == admin_user
    assert log.object_id == str(team.pk)


def test_team_name_must_be_unique_ignoring_case(admin_user, ops):
    with pytest.raises(DomainError, match="already exists"):
        services.team_create(actor=admin_user, name="OPERATIONS", kind=Team.Kind.OTHER)
    assert Team.objects.count() == 1


def test_team_rename_moves_slug_and_records_changes(admin_user, ops):
    services.team_update(actor=admin_user, team=ops, name="Dispatch", kind=ops.kind)
    ops.refresh_from_db()
    assert ops.slug == "dispatch"
    assert AuditLog.objects.get(action="team.update").changes == {
        "name": ["Operations", "Dispatch"]
    }


def test_last_admin_cannot_be_demoted_or_removed(admin_user, ops):
    membership = admin_user.memberships.get()
    with pytest.raises(DomainError, match="at least one admin"):
        services.membership_set(actor=admin_user, team=ops, user=admin_user, role=Role.MEMBER)
    with pytest.raises(DomainError, match="at least one admin"):
        services.membership_remove(actor=admin_user, membership=membership)
    with pytest.raises(DomainError, match="yourself"):
        services.user_set_active(actor=admin_user, user=admin_user, active=False)
    assert Membership.objects.get(pk=membership.pk).role == Role.ADMIN


def test_admin_can_step_down_once_another_admin_exists(admin_user, member, ops):
    services.membership_set(actor=admin_user, team=ops, user=member, role=Role.ADMIN)
    services.membership_set(actor=admin_user, team=ops, user=admin_user, role=Role.MEMBER)
    assert admin_user.memberships.get().role == Role.MEMBER


def test_membership_set_is_idempotent(admin_user, member, ops):
    services.membership_set(actor=admin_user, team=ops, user=member, role=Role.MEMBER)
    services.membership_set(actor=admin_user, team=ops, user=member, role=Role.MEMBER)
    assert member.memberships.count() == 1
    assert not AuditLog.objects.filter(action__startswith="membership").exists()


def test_invitation_emails_a_single_use_link(admin_user, ops, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            actor=admin_user, email=" New.Person@Crossdock.test ", team=ops, role=Role.MANAGER
        )

    assert invitation.email == "new.person@crossdock.test"
    assert outbox.drain() == ["sent"]  # through the one outbox, like every message
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@crossdock.test"]
    assert message.subject == f"{admin_user.display_name} invited you to Crossdock"
    assert f"Accept the invitation: http://testserver/invitations/{invitation.token}/" in (
        message.body
    )
    assert "Operations" in message.body

    user = services.invitation_accept(
        invitation=invitation, first_name="New", last_name="Person", password="a-good-password-7"
    )
    assert user.check_password("a-good-password-7")
    assert user.memberships.get().role == Role.MANAGER
    assert user.emailaddress_set.get().verified

    with pytest.raises(DomainError, match="already used"):
        services.invitation_accept(
            invitation=invitation, first_name="X", last_name="", password="a-good-password-7"
        )
    assert User.objects.filter(email="new.person@crossdock.test").count() == 1


def test_expired_invitation_is_refused(admin_user, ops):
    invitation = services.invitation_create(
        actor=admin_user, email="late@crossdock.test", team=ops, role=Role.MEMBER
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    invitation.refresh_from_db()
    with pytest.raises(DomainError, match="expired"):
        services.invitation_accept(
            invitation=invitation, first_name="L", last_name="", password="a-good-password-7"
        )
    assert not User.objects.filter(email="late@crossdock.test").exists()


def test_weak_password_is_refused_and_creates_nothing(admin_user, ops):
    invitation = services.invitation_create(
        actor=admin_user, email="weak@crossdock.test", team=ops, role=Role.MEMBER
    )
    with pytest.raises(DomainError) as excinfo:
        services.invitation_accept(
            invitation=invitation, first_name="W", last_name="", password="123"
        )
    assert excinfo.value.field == "password1"
    assert not User.objects.filter(email="weak@crossdock.test").exists()


def test_inviting_an_existing_person_adds_them_and_notifies(admin_user, member, marketing):
    result = services.invitation_create(
        actor=admin_user, email=member.email, team=marketing, role=Role.MEMBER
    )
    assert isinstance(result, Membership)
    assert member.teams.filter(pk=marketing.pk).exists()
    assert Notification.objects.get(recipient=member).title == "You were added to Marketing"
    assert not Invitation.objects.exists()


def test_mark_read_only_touches_own_notifications(member, admin_user):
    mine = services.notification_create(recipient=member, title="Mine")
    theirs = services.notification_create(recipient=admin_user, title="Theirs")

    assert services.notification_mark_read(user=member, notification_id=theirs.pk) == 0
    assert services.notification_mark_read(user=member, notification_id=mine.pk) == 1
    assert services.notification_mark_read(user=member, notification_id=mine.pk) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_inviting_twice_renews_one_invitation(admin_user, ops):
    first = services.invitation_create(
        actor=admin_user, email="twice@crossdock.test", team=ops, role=Role.MEMBER
    )
    old_token = first.token
    second = services.invitation_create(
        actor=admin_user, email="twice@crossdock.test", team=ops, role=Role.MANAGER
    )
    assert Invitation.objects.count() == 1
    assert second.pk == first.pk
    assert second.token != old_token
    assert second.role == Role.MANAGER
    outbox.drain()
    assert len(mail.outbox) == 2
    assert second.token in mail.outbox[1].body  # the newest email carries the working link


def test_a_mail_server_outage_keeps_the_invitation_and_retries_its_email(admin_user, ops, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    invitation = services.invitation_create(
        actor=admin_user, email="later@crossdock.test", team=ops, role=Role.MEMBER
    )

    assert outbox.drain() == ["retry"]
    alert = Alert.objects.get(address="later@crossdock.test")
    assert alert.status == Alert.Status.PENDING
    assert "Mail server unavailable" in alert.last_error
    assert Invitation.objects.get() == invitation


def test_withdrawn_invitation_link_stops_working(admin_user, ops, client):
    invitation = services.invitation_create(
        actor=admin_user, email="gone@crossdock.test", team=ops, role=Role.MEMBER
    )
    services.invitation_revoke(actor=admin_user, invitation=invitation)
    assert client.get(f"/invitations/{invitation.token}/").status_code == 410
