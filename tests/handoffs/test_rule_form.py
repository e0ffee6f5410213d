"""The rule form tells an admin everything wrong at once, in plain words, and flags a rule
that duplicates another enabled one."""

import re

import pytest

from handoffs import rules, services
from handoffs.models import Rule
from hub.models import Team


@pytest.fixture
def support(db):
    return Team.objects.create(name="Customer Support", slug="customer-support", kind="support")


def rule_form(ops, **changes):
    data = {
        "name": "Big orders",
        "trigger": "generic.order",
        "match": "all",
        "teams": [ops.pk],
        "title_template": "Order {{ payload.id }}",
        "requires_ack": "on",
        "sla_minutes": "15",
        "dedupe_minutes": "60",
        "owner_team": ops.pk,
        "minutes_saved": "5",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_every_problem_is_listed_at_once_in_a_summary_at_the_top(client_for, admin_user, ops):
    response = client_for(admin_user).post(
        "/handoffs/rules/new/",
        rule_form(
            ops,
            name="",  # a form error
            owner_team=None,  # a form error
            message_template="{% load static %}Hi",  # the service's check
            cond_0_field="payload.total",
            cond_0_op="gt",
            cond_0_value="",  # the service's check
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert not Rule.objects.exists()
    summary = page[page.index('data-testid="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "Fix these 4 things" in summary
    assert 'href="#id_name"' in summary
    assert 'href="#id_owner_team"' in summary
    assert "Condition 1: give a value to compare with." in summary
    assert "is not available in alert templates" in summary
    assert page.index('data-testid="error-summary"') < page.index('name="name"')


def test_template_errors_never_show_django_wording(db):
    for template in ("{% load static %}", "{% if %}", "{{ x|nope }}", "{% endif %}"):
        problem = rules.template_problem(template)
        assert problem
        assert "registered tag library" not in problem
        assert "Must be one of" not in problem


def test_every_condition_input_has_a_label(client_for, admin_user):
    page = client_for(admin_user).get("/handoffs/rules/new/").content.decode()
    ids = re.findall(r'<(?:input|select)[^>]*name="cond_\d+_\w+"[^>]*id="([^"]+)"', page)
    ids += re.findall(r'<(?:input|select)[^>]*id="([^"]+)"[^>]*name="cond_\d+_\w+"', page)
    assert len(set(ids)) == 15
    for input_id in set(ids):
        assert f'<label for="{input_id}"' in page


def test_conditions_overlap_unless_they_demand_different_values():
    nothing = {"match": "all", "conditions": []}
    north = {"match": "all", "conditions": [{"field": "payload.zone", "op": "eq", "value": "n"}]}
    south = {"match": "all", "conditions": [{"field": "payload.zone", "op": "eq", "value": "s"}]}
    assert rules.conditions_overlap(nothing, north)
    assert rules.conditions_overlap(north, north)
    assert not rules.conditions_overlap(north, south)


def test_a_duplicate_rule_is_flagged_on_save_and_on_enable(
    client_for, admin_user, ops, support, marketing
):
    client = client_for(admin_user)
    existing = services.rule_from_template(actor=admin_user, key="promo_code_created")
    services.rule_set_enabled(actor=admin_user, rule=existing, enabled=True)

    response = client.post(
        "/handoffs/rules/new/",
        rule_form(ops, name="new promo code → Operations", trigger="hub.promo_code.created"),
        follow=True,
    )
    page = response.content.decode()
    new = Rule.objects.get(name="new promo code → Operations")
    assert "both run on hub.promo_code.created" in page
    assert 'data-testid="rule-duplicates"' in page
    assert existing.get_absolute_url() in page

    page = client.post(f"/handoffs/rules/{new.pk}/toggle/", {"enabled": "1"}, follow=True)
    text = page.content.decode()
    assert "Promo code created → notify Ops" in text
    assert "both run on hub.promo_code.created" in text


def test_rules_for_other_teams_or_other_values_are_not_duplicates(
    client_for, admin_user, ops, support
):
    existing = services.rule_from_template(actor=admin_user, key="promo_code_created")
    services.rule_set_enabled(actor=admin_user, rule=existing, enabled=True)
    response = client_for(admin_user).post(
        "/handoffs/rules/new/",
        rule_form(support, name="Promo → CS", trigger="hub.promo_code.created"),
        follow=True,
    )
    assert "both run on" not in response.content.decode()
    assert 'data-testid="rule-duplicates"' not in response.content.decode()
