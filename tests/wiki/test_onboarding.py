"""A new hire is told about their onboarding checklist: hub records hub.person.joined when an
invitation is accepted, and docs answer through the event path."""

from handoffs.models import Alert
from hub import events
from hub import services as hub_services
from hub.models import Event, Role
from wiki import services
from wiki.models import Page


def _join(admin_user, team, email="new.hire@crossdock.test"):
    invitation = hub_services.invitation_create(
        actor=admin_user, email=email, team=team, role=Role.MEMBER
    )
    return hub_services.invitation_accept(
        invitation=invitation, first_name="Nina", last_name="Hire", password="a-good-password-7"
    )


def test_new_hire_gets_a_link_to_their_onboarding_checklist(admin_user, ops, marketing):
    services.onboarding_module_ensure(team=marketing, actor=admin_user)  # another function's
    hire = _join(admin_user, ops)
    event = Event.objects.get(type="hub.person.joined")
    assert event.payload["user_id"] == hire.pk
    assert event.payload["team"] == "Operations"
    assert events.process(event.pk)
    events.process(event.pk)  # a subscriber may run twice: one welcome
    welcomes = Alert.objects.filter(recipient=hire, subject__startswith="Welcome")
    assert sorted(welcomes.values_list("kind", flat=True)) == ["email", "inbox"]
    welcome = welcomes.get(kind="inbox")
    assert welcome.subject == "Welcome to Operations: your onboarding checklist"
    assert welcome.link.endswith("/wiki/onboarding/")
    assert "“Operations onboarding”" in welcome.body
    assert "(1 more)" in welcome.body
    # The team had no module: it was made from the onboarding template, owned by the team.
    module = Page.objects.get(template="onboarding", owner_team=ops)
    assert module.space.team == ops
    assert "## Your first week" in module.body
    event.refresh_from_db()
    assert event.status == "processed"


def test_an_existing_onboarding_module_is_used_not_copied(admin_user, ops):
    module = services.onboarding_module_ensure(team=ops, actor=admin_user)
    hire = _join(admin_user, ops)
    events.process(Event.objects.get(type="hub.person.joined").pk)
    assert list(Page.objects.filter(template="onboarding")) == [module]
    assert Alert.objects.filter(recipient=hire, subject__startswith="Welcome").count() == 2
