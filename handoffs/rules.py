"""Rule evaluation, pure: no ORM, no clock, no I/O. Everything arrives as plain data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.template import Context, Engine, TemplateSyntaxError, VariableDoesNotExist

from handoffs.template_library import FILTERS, TAGS

OPERATORS = {
    "eq": "equals",
    "ne": "does not equal",
    "gt": "is above",
    "gte": "is at least",
    "lt": "is below",
    "lte": "is at most",
    "contains": "contains",
    "in": "is one of",
    "not_in": "is none of",
    "exists": "is present",
    "missing": "is absent",
    "is_true": "is true",
    "is_false": "is false",
    "changed_to": "changed to",
}
NO_VALUE = {"exists", "missing", "is_true", "is_false"}
# The fields a rule can test, beyond any payload.<path>.
KNOWN_FIELDS = {
    "event.type": "The event's type",
    "event.source": "Where it came from (onfleet, hubspot, …)",
    "customer.is_new": "The customer was first seen in the last 30 days",
    "customer.lifecycle_stage": "The customer's CRM lifecycle stage",
    "customer.acquisition_source": "How the customer was acquired",
    "customer.zone": "The customer's zone code",
    "customer.email": "The customer's email",
    "delivery.zone": "The delivery's zone code",
    "delivery.status": "scheduled, in_progress, succeeded, failed, cancelled",
    "delivery.is_first": "The customer's first delivery",
    "delivery.on_time": "Completed within its window",
    "delivery.failure_reason": "Why it failed",
    "campaign.name": "The campaign's name",
    "campaign.zones": "The campaign's zone codes",
}


class _RuleEngine(Engine):
    # Django's own builtins (include, extends, load, url…) are left out: a rule's template gets
    # only the tags and filters of handoffs.template_library.
    default_builtins: list[str] = []


_ENGINE = _RuleEngine(
    autoescape=False,
    string_if_invalid="",
    builtins=["handoffs.template_library"],
    libraries={},
    loaders=[],
)
# Rendering and validating must never take a page down: anything a template does wrong is
# reported in its text.
_RENDER_ERRORS = (Exception,)


class Words(list):
    """A list a template prints as words: ``riverside, downtown``, not ``['riverside']``."""

    def __str__(self) -> str:
        return ", ".join(str(v) for v in self)


def _as_words(value: Any, depth: int = 0) -> Any:
    if depth > 40:  # deeper than any real payload; leave the rest as it is
        return value
    if isinstance(value, list):
        return Words(_as_words(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return {k: _as_words(v, depth + 1) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class ConditionResult:
    field: str
    op: str
    value: Any
    actual: Any
    held: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "op": self.op,
            "value": self.value,
            "actual": _jsonable(self.actual),
            "held": self.held,
        }


@dataclass(frozen=True)
class Decision:
    matched: bool
    results: list[ConditionResult] = field(default_factory=list)


def lookup(context: dict[str, Any], path: str) -> Any:
    """``payload.data.task.id`` → the value, or None when any step is missing."""
    current: Any = context
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
        if current is None:
            return None
    return current


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value).strip()


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_text(v).lower() for v in value]
    return [part.strip().lower() for part in _text(value).split(",") if part.strip()]


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1"}
    return bool(value)


def check(op: str, actual: Any, expected: Any, previous: Any = None) -> bool:
    """Whether ``actual`` (and for changed_to, ``previous``) satisfies ``op expected``."""
    if op == "exists":
        return actual not in (None, "", [])
    if op == "missing":
        return actual in (None, "", [])
    if op == "is_true":
        return _truthy(actual)
    if op == "is_false":
        return actual is not None and not _truthy(actual)
    if op in ("gt", "gte", "lt", "lte"):
        a, b = _number(actual), _number(expected)
        if a is None or b is None:
            return False
        return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]
    if op == "eq":
        a, b = _number(actual), _number(expected)
        if a is not None and b is not None:
            return a == b
        return _text(actual).lower() == _text(expected).lower()
    if op == "ne":
        return not check("eq", actual, expected)
    if op == "contains":
        if isinstance(actual, list):
            return _text(expected).lower() in _split(actual)
        return _text(expected).lower() in _text(actual).lower()
    if op == "in":
        values = _split(actual) if isinstance(actual, list) else [_text(actual).lower()]
        return any(v in _split(expected) for v in values)
    if op == "not_in":
        return not check("in", actual, expected)
    if op == "changed_to":
        # Fires only on the move: the value is now the target and was something else before.
        return check("eq", actual, expected) and not check("eq", previous, expected)
    raise ValueError(f"Unknown operator {op!r}")


def evaluate(
    spec: dict[str, Any], context: dict[str, Any], previous: dict[str, Any] | None = None
) -> Decision:
    """Test every condition of ``spec`` against ``context`` (``previous``: the prior event's)."""
    conditions = spec.get("conditions") or []
    results = []
    for condition in conditions:
        path, op, value = (
            condition.get("field", ""),
            condition.get("op", "eq"),
            condition.get("value"),
        )
        actual = lookup(context, path)
        before = lookup(previous or {}, path)
        results.append(ConditionResult(path, op, value, actual, check(op, actual, value, before)))
    if not results:
        return Decision(True, [])
    held = [r.held for r in results]
    matched = any(held) if spec.get("match") == "any" else all(held)
    return Decision(matched, results)


def compares_with_previous(spec: dict[str, Any] | None) -> bool:
    """Whether any condition of ``spec`` needs the earlier event about the same subject
    ("changed to"): only then is that event looked up."""
    conditions = (spec or {}).get("conditions") or []
    return any(c.get("op") == "changed_to" for c in conditions if isinstance(c, dict))


def validate_spec(spec: dict[str, Any]) -> list[str]:
    """Problems with a conditions spec, for the admin to fix (empty when fine)."""
    problems = []
    if spec.get("match", "all") not in ("all", "any"):
        problems.append("Match must be “all” or “any”.")
    for n, condition in enumerate(spec.get("conditions") or [], start=1):
        path, op = condition.get("field", ""), condition.get("op", "")
        if not path or not all(part for part in path.split(".")):
            problems.append(f"Condition {n}: choose a field.")
        elif path.split(".")[0] not in ("payload", "event", "customer", "delivery", "campaign"):
            problems.append(f"Condition {n}: fields start with payload., customer., delivery. …")
        if op not in OPERATORS:
            problems.append(f"Condition {n}: unknown comparison {op!r}.")
        elif op not in NO_VALUE and _text(condition.get("value")) == "":
            problems.append(f"Condition {n}: give a value to compare with.")
    return problems


def render(template: str, context: dict[str, Any]) -> str:
    """Fill ``{{ payload.x }}``-style placeholders, once, as plain text (each channel escapes
    it for its own markup); lists print as words. A broken template says so in the text."""
    try:
        compiled = _ENGINE.from_string(template)
        return compiled.render(Context(_as_words(context), autoescape=False)).strip()
    except _RENDER_ERRORS as exc:
        return f"[template error: {_explain(exc, advice=False)}]"


def template_problem(template: str) -> str | None:
    """What is wrong with a rule's template, in words for the admin; None when it works."""
    try:
        _ENGINE.from_string(template)
    except _RENDER_ERRORS as exc:
        return _explain(exc)
    return None


ALLOWED_HELP = (
    "Use {{ placeholders }} with the filters "
    + ", ".join(FILTERS)
    + "; and the tags "
    + ", ".join(f"{{% {t} %}}" for t in TAGS)
    + "."
)


def _explain(exc: Exception, *, advice: bool = True) -> str:
    text = str(exc)
    tail = f" {ALLOWED_HELP}" if advice else ""
    tag = re.search(r"Invalid block tag on line \d+: '([^']+)'", text)
    if tag:
        return f"{{% {tag.group(1)} %}} is not available in alert templates.{tail}"
    name = re.search(r"Invalid filter: '([^']+)'", text)
    if name:
        return f"The filter “{name.group(1)}” is not available in alert templates.{tail}"
    return (
        text
        if isinstance(exc, TemplateSyntaxError | VariableDoesNotExist)
        else (f"{type(exc).__name__}: {text}")
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def conditions_overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether one event could satisfy both condition specs, as far as can be told without an
    event: only two "all" specs that demand different values of the same field (equals vs
    equals, or equals vs does-not-equal the same value) can never both hold."""
    if (a or {}).get("match", "all") != "all" or (b or {}).get("match", "all") != "all":
        return True
    wanted: dict[str, set[str]] = {}
    refused: dict[str, set[str]] = {}
    for spec in (a, b):
        for condition in (spec or {}).get("conditions") or []:
            value = _text(condition.get("value")).lower()
            if condition.get("op") == "eq":
                wanted.setdefault(condition.get("field", ""), set()).add(value)
            elif condition.get("op") == "ne":
                refused.setdefault(condition.get("field", ""), set()).add(value)
    for path, values in wanted.items():
        if len(values) > 1 or values & refused.get(path, set()):
            return False
    return True
