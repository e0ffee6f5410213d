"""Who may act on a handoff: its team's members acknowledge (admins too, recorded as such);
everyone else may hand it on. Opening an acknowledgement link never acts by itself."""

import pytest

from handoffs import services
from handoffs.models import Alert, Handoff
from hub.errors import DomainError
from hub.models import AuditLog, Notification, Role
from tests.factories import MembershipFactory, TeamFactory, UserFactory


@pytest.fixture
def ops_handoff(ops, member):
    return services.handoff_create(team=ops, title="Confirm capacity for Riverside")


def test_manager_of_another_team_cannot_acknowledge(ops_handoff, manager):
    with pytest.raises(DomainError) as exc:
        services.handoff_acknowledge(handoff=ops_handoff, user=manager)
    assert "Only members of Operations" in exc.value.message
    ops_handoff.refresh_from_db()
    assert ops_handoff.status == "open"


def test_admin_outside_the_team_acknowledges_as_admin(ops_handoff, marketing):
    admin = UserFactory()
    MembershipFactory(user=admin, team=marketing, role=Role.ADMIN)
    assert services.handoff_acknowledge(handoff=ops_handoff, user=admin)
    ops_handoff.refresh_from_db()
    assert ops_handoff.acknowledged_by == admin
    assert ops_handoff.acknowledged_via == "app, as admin"


def test_list_offers_acknowledge_only_on_my_teams_handoffs(client_for, manager, ops_handoff):
    page = client_for(manager).get("/handoffs/?scope=all").content.decode()
    assert "Confirm capacity for Riverside" in page
    assert f"/handoffs/h/{ops_handoff.pk}/ack/" not in page
    assert "Hand on" in page


def test_posting_acknowledge_for_another_team_is_refused(client_for, manager, ops_handoff):
    response = client_for(manager).post(f"/handoffs/h/{ops_handoff.pk}/ack/", follow=True)
    assert "Only members of Operations can acknowledge" in response.content.decode()
    ops_handoff.refresh_from_db()
    assert ops_handoff.status == "open"


def test_detail_hides_acknowledge_and_rule_link_from_outside_members(
    client_for, manager, member, ops_handoff, admin_user
):
    rule_handoff = Handoff.objects.get(pk=ops_handoff.pk)
    page = client_for(manager).get(rule_handoff.get_absolute_url()).content.decode()
    assert f"/handoffs/h/{ops_handoff.pk}/ack/" not in page
    assert 'data-testid="not-your-team"' in page
    assert 'data-testid="hand-on"' in page
    mine = client_for(member).get(rule_handoff.get_absolute_url()).content.decode()
    assert f"/handoffs/h/{ops_handoff.pk}/ack/" in mine


def test_api_refuses_acknowledge_from_another_team(api_for, manager, ops_handoff):
    response = api_for(manager).post(f"/api/v1/handoffs/{ops_handoff.pk}/ack/")
    assert response.status_code == 403
    assert "Only members of Operations" in response.json()["detail"]


def test_outsider_hands_it_on_to_another_team(client_for, manager, ops_handoff, marketing):
    response = client_for(manager).post(
        f"/handoffs/h/{ops_handoff.pk}/reassign/", {"team": marketing.pk, "note": "ours"}
    )
    assert response.status_code == 302
    ops_handoff.refresh_from_db()
    assert ops_handoff.team == marketing
    assert Alert.objects.filter(handoff=ops_handoff, channel__team=marketing).exists()
    log = AuditLog.objects.get(action="handoff.reassign")
    assert log.changes == {"from": "Operations", "to": "Marketing", "note": "ours"}
    # Now it is Marketing's: the manager may acknowledge it.
    assert services.handoff_acknowledge(handoff=ops_handoff, user=manager)


def test_acknowledging_marks_the_handoffs_inbox_items_read(ops_handoff, member):
    Notification.objects.create(
        recipient=member, title=ops_handoff.title, url=ops_handoff.get_absolute_url()
    )
    other = Notification.objects.create(recipient=member, title="Other", url="/handoffs/h/999/")
    services.handoff_acknowledge(handoff=ops_handoff, user=member)
    assert not Notification.objects.filter(url=ops_handoff.get_absolute_url(), read_at=None)
    other.refresh_from_db()
    assert other.read_at is None


def _ack_path(handoff, user=None, channel="slack"):
    return "/ack/" + services.ack_token(handoff, user, channel) + "/"


def test_opening_an_ack_link_shows_a_confirm_page_and_changes_nothing(client, ops_handoff):
    page = client.get(_ack_path(ops_handoff)).content.decode()
    assert "ack.js" not in page
    assert "data-auto-submit" not in page
    assert 'data-testid="ack-sign-in"' in page
    ops_handoff.refresh_from_db()
    assert ops_handoff.status == "open"


def test_a_shared_link_without_sign_in_does_not_acknowledge_as_someone(client, ops_handoff):
    client.post(_ack_path(ops_handoff))
    ops_handoff.refresh_from_db()
    assert ops_handoff.status == "open"


def test_a_signed_in_member_acknowledges_from_a_slack_link(client_for, member, ops_handoff):
    client = client_for(member)
    page = client.get(_ack_path(ops_handoff)).content.decode()
    assert 'data-testid="ack-form"' in page
    ops_handoff.refresh_from_db()
    assert ops_handoff.status == "open"
    client.post(_ack_path(ops_handoff))
    ops_handoff.refresh_from_db()
    assert ops_handoff.acknowledged_by == member
    assert ops_handoff.acknowledged_via == "slack"


def test_a_personal_link_records_its_person(client, member, ops_handoff):
    path = _ack_path(ops_handoff, member, "email")
    assert "Acknowledge it as" in client.get(path).content.decode()
    client.post(path)
    ops_handoff.refresh_from_db()
    assert ops_handoff.acknowledged_by == member


def test_a_signed_in_outsider_on_a_link_cannot_acknowledge(client_for, manager, ops_handoff):
    client = client_for(manager)
    assert 'data-testid="ack-form"' not in client.get(_ack_path(ops_handoff)).content.decode()
    page = client.post(_ack_path(ops_handoff)).content.decode()
    assert "Only members of Operations" in page
    ops_handoff.refresh_from_db()
    assert ops_handoff.status == "open"


def test_member_of_two_teams_acknowledges_either(ops_handoff, marketing):
    both = UserFactory()
    MembershipFactory(user=both, team=marketing)
    MembershipFactory(user=both, team=TeamFactory(name="Operations"))
    assert services.handoff_acknowledge(handoff=ops_handoff, user=both)


def test_explain_links_rules_only_for_admins(client_for, member, admin_user, ops):
    from handoffs import services as handoff_services
    from hub import events

    rule = handoff_services.rule_save(
        actor=admin_user,
        data=handoff_services.RuleInput(
            name="Every order",
            trigger="generic.order",
            teams=[ops],
            owner_team=ops,
            title_template="Order {{ payload.id }}",
        ),
    )
    handoff_services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)
    recorded = events.record("generic", "generic.order", "o-1", {"id": "o-1"})
    events.process(recorded.event.pk)
    url = f"/handoffs/explain/?event={recorded.event.pk}"
    rule_link = f'href="/handoffs/rules/{rule.pk}/"'
    assert "Every order" in client_for(member).get(url).content.decode()
    assert rule_link not in client_for(member).get(url).content.decode()
    assert rule_link in client_for(admin_user).get(url).content.decode()
