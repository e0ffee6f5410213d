"""The rule action registry: a module offers an action; rules run it, preview it, dry-run it."""

import pytest
from django import forms
from django.urls import reverse

from handoffs import actions, services
from handoffs.models import Handoff, Rule, RuleEvaluation
from hub import events
from hub.errors import DomainError
from hub.models import Event, Notification


class NoteFields(forms.Form):
    note = forms.CharField(max_length=40, label="Note to post")
    team = forms.ModelChoiceField(queryset=None, label="Team")

    def __init__(self, *args, **kwargs):
        from hub.models import Team

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.all()


def post_note(run: actions.ActionRun) -> str:
    from hub.models import Team

    team = Team.objects.get(pk=run.params["team"])
    text = f"{run.params['note']}: {run.context['payload'].get('email', '')}"
    services.notify(to=team, title=text, via=["inbox"], dedupe_key=f"note:{run.event.pk}")
    return f"posted “{text}” to {team.name}"


def describe_note(run: actions.ActionRun) -> str:
    return f"would post “{run.params['note']}: {run.context['payload'].get('email', '')}”"


@pytest.fixture
def note_action():
    action = actions.register(
        actions.Action(
            key="tests.post_note",
            label="Post a note",
            description="Post a note to a team's inbox.",
            form_class=NoteFields,
            run=post_note,
            preview=describe_note,
        )
    )
    yield action
    actions._registry.pop(action.key)


@pytest.fixture
def note_rule(note_action, admin_user, ops, marketing):
    rule = services.rule_save(
        actor=admin_user,
        data=services.RuleInput(
            name="Signup → note",
            trigger="generic.signup",
            teams=[],
            owner_team=marketing,
            title_template="",
            action="tests.post_note",
            action_params={"note": "New signup", "team": str(ops.pk)},
        ),
    )
    return services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)


def signup(key: str) -> Event:
    recorded = events.record("generic", "generic.signup", key, {"email": "ana@example.com"})
    events.process(recorded.event.pk)
    return Event.objects.get(pk=recorded.event.pk)


def test_a_registered_action_runs_once_per_event_and_says_what_it_did(note_rule, member, ops):
    event = signup("a-1")
    events.replay(event)
    events.process(event.pk)  # a replayed event does not run the action again

    evaluation = RuleEvaluation.objects.get(rule=note_rule, event=event)
    assert evaluation.outcome == "matched; posted “New signup: ana@example.com” to Operations"
    assert Handoff.objects.count() == 0
    assert not note_rule.teams.exists()
    for alert_pk in ops.channels.get(kind="inbox").alerts.values_list("pk", flat=True):
        services.alert_send(alert_pk)
    assert Notification.objects.get(recipient=member).title == "New signup: ana@example.com"


def test_params_are_checked_by_the_actions_own_form(note_action, admin_user, marketing):
    with pytest.raises(DomainError, match=r"Post a note.*note: This field is required"):
        services.rule_save(
            actor=admin_user,
            data=services.RuleInput(
                name="Broken",
                trigger="generic.signup",
                teams=[],
                owner_team=marketing,
                title_template="",
                action="tests.post_note",
                action_params={"team": "999999"},
            ),
        )
    assert Rule.objects.count() == 0


def test_an_unknown_action_is_refused(admin_user, marketing):
    with pytest.raises(DomainError, match="Choose what the rule does"):
        services.rule_save(
            actor=admin_user,
            data=services.RuleInput(
                name="x",
                trigger="generic.signup",
                teams=[],
                owner_team=marketing,
                title_template="",
                action="nobody.offers_this",
            ),
        )


def test_dry_run_previews_the_action_and_writes_nothing(note_rule, admin_user):
    services.rule_set_enabled(actor=admin_user, rule=note_rule, enabled=False)
    signup("d-1")
    before = Notification.objects.count(), RuleEvaluation.objects.count()

    result = services.rule_dry_run(note_rule)

    assert (result.matched, result.actions, result.handoffs) == (1, 1, 0)
    assert result.samples[0]["message"] == "would post “New signup: ana@example.com”"
    assert (Notification.objects.count(), RuleEvaluation.objects.count()) == before


def test_the_rule_page_offers_the_action_with_its_fields(
    note_action, client_for, admin_user, ops, marketing
):
    client = client_for(admin_user)
    page = client.get(reverse("handoffs:rule_new"))
    assert b"Post a note" in page.content
    assert b'name="then-tests.post_note-note"' in page.content

    response = client.post(
        reverse("handoffs:rule_new"),
        {
            "name": "Note on signup",
            "trigger": "generic.signup",
            "match": "all",
            "action": "tests.post_note",
            "then-tests.post_note-note": "Hello",
            "then-tests.post_note-team": str(ops.pk),
            "owner_team": str(marketing.pk),
            "dedupe_minutes": "60",
            "minutes_saved": "5",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get(name="Note on signup")
    assert (rule.action, rule.action_params) == (
        "tests.post_note",
        {"note": "Hello", "team": ops.pk},
    )


def test_the_api_takes_the_same_action_and_refuses_the_same_bad_params(
    note_action, api_for, admin_user, ops, marketing
):
    api = api_for(admin_user)
    listed = api.get("/api/v1/rules/actions/").json()
    assert [a["key"] for a in listed][:1] == ["handoffs.create"]
    assert {"name": "note", "label": "Note to post", "required": True} in next(
        a for a in listed if a["key"] == "tests.post_note"
    )["params"]

    bad = api.post(
        "/api/v1/rules/",
        {
            "name": "n",
            "trigger": "generic.signup",
            "owner_team": marketing.slug,
            "action": "tests.post_note",
            "action_params": {"team": ops.pk},
        },
        format="json",
    )
    assert bad.status_code == 400
    assert "note: This field is required" in str(bad.json())

    good = api.post(
        "/api/v1/rules/",
        {
            "name": "n",
            "trigger": "generic.signup",
            "owner_team": marketing.slug,
            "action": "tests.post_note",
            "action_params": {"note": "Hi", "team": ops.pk},
        },
        format="json",
    )
    assert good.status_code == 201, good.json()
    assert good.json()["action_params"] == {"note": "Hi", "team": ops.pk}
