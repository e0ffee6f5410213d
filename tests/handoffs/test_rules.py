"""Pure rule evaluation: no database."""

import pytest

from handoffs import rules

CTX = {
    "event": {"type": "hubspot.contact.propertyChange"},
    "payload": {"propertyName": "lifecyclestage", "propertyValue": "customer", "amount": "120.5"},
    "customer": {"is_new": True, "zone": "northgate", "email": "a@b.test"},
    "delivery": None,
}


@pytest.mark.parametrize(
    ("field", "op", "value", "held"),
    [
        ("payload.propertyValue", "eq", "Customer", True),
        ("payload.propertyValue", "ne", "lead", True),
        ("payload.amount", "gt", "100", True),
        ("payload.amount", "lte", "100", False),
        ("payload.amount", "gt", "not a number", False),
        ("customer.is_new", "is_true", "", True),
        ("customer.is_new", "is_false", "", False),
        ("customer.zone", "in", "downtown, northgate", True),
        ("customer.zone", "not_in", "downtown", True),
        ("customer.email", "contains", "@B.TEST", True),
        ("delivery.zone", "exists", "", False),
        ("delivery.zone", "missing", "", True),
        ("payload.nothing.deeper", "eq", "x", False),
    ],
)
def test_operators(field, op, value, held):
    decision = rules.evaluate({"conditions": [{"field": field, "op": op, "value": value}]}, CTX)
    assert decision.matched is held
    assert decision.results[0].held is held


def test_changed_to_fires_only_on_the_move():
    spec = {
        "conditions": [{"field": "payload.propertyValue", "op": "changed_to", "value": "customer"}]
    }
    assert rules.evaluate(spec, CTX, {"payload": {"propertyValue": "lead"}}).matched
    assert rules.evaluate(spec, CTX, None).matched  # first time we hear of it
    assert not rules.evaluate(spec, CTX, {"payload": {"propertyValue": "customer"}}).matched


def test_all_and_any():
    yes = {"field": "customer.is_new", "op": "is_true", "value": ""}
    no = {"field": "customer.zone", "op": "eq", "value": "downtown"}
    assert not rules.evaluate({"match": "all", "conditions": [yes, no]}, CTX).matched
    assert rules.evaluate({"match": "any", "conditions": [yes, no]}, CTX).matched
    assert rules.evaluate({"conditions": []}, CTX).matched


def test_results_explain_each_condition():
    spec = {"conditions": [{"field": "customer.zone", "op": "eq", "value": "downtown"}]}
    result = rules.evaluate(spec, CTX).results[0].as_dict()
    assert result == {
        "field": "customer.zone",
        "op": "eq",
        "value": "downtown",
        "actual": "northgate",
        "held": False,
    }


def test_validate_spec_names_each_problem():
    problems = rules.validate_spec(
        {
            "match": "most",
            "conditions": [
                {"field": "", "op": "eq", "value": "x"},
                {"field": "payload.x", "op": "like", "value": "x"},
                {"field": "payload.x", "op": "gt", "value": ""},
                {"field": "secrets.x", "op": "eq", "value": "1"},
            ],
        }
    )
    assert len(problems) == 5


def test_render_fills_placeholders_and_survives_mistakes():
    assert rules.render("Zone {{ customer.zone }}", CTX) == "Zone northgate"
    assert rules.render("{{ missing.value }}!", CTX) == "!"
    assert rules.render("{% if %}", CTX).startswith("[template error")


def test_render_survives_a_filter_argument_that_is_missing():
    text = rules.render(
        "Hi {{ customer.name|default:delivery.zone }}", {"customer": {}, "delivery": None}
    )
    assert text.startswith("[template error")
