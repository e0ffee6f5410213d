"""Pure: check one person's answers against a survey's questions and skip logic. No ORM, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from feedback.models import TEXT_LIMIT, Question

SHORT_LIMIT = 200


@dataclass
class Cleaned:
    number: int | None = None
    text: str = ""
    choices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.number is None and not self.text and not self.choices

    def values(self) -> list[str]:
        """The answer as strings, for skip-logic matching."""
        if self.number is not None:
            return [str(self.number)]
        if self.choices:
            return list(self.choices)
        return [self.text] if self.text else []


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def is_shown(question: Question, given: Mapping[int, Cleaned]) -> bool:
    """A question with a condition shows only if the earlier answer matches one of its values."""
    if question.show_if_id is None:
        return True
    earlier = given.get(question.show_if_id)
    if earlier is None:
        return False
    wanted = {str(v).strip().lower() for v in question.show_if_values or []}
    return bool(wanted & {v.strip().lower() for v in earlier.values()})


def clean(
    questions: Sequence[Question], data: Mapping[str, Sequence[str]]
) -> tuple[dict[int, Cleaned], dict[str, str]]:
    """``data`` maps field names to submitted values. Returns (answers by question id, errors by
    field name). Answers to questions hidden by skip logic are dropped."""
    answers: dict[int, Cleaned] = {}
    errors: dict[str, str] = {}
    for q in questions:
        name = field_name(q)
        raw = [str(v) for v in _values(data, name) if str(v).strip()]
        if not is_shown(q, answers):
            continue
        cleaned, error = _clean_one(q, raw)
        if error:
            errors[name] = error
            continue
        if cleaned.empty:
            if q.required:
                errors[name] = "Please answer this question."
            continue
        answers[q.pk] = cleaned
    return answers, errors


def _values(data: Mapping[str, Any], name: str) -> list[Any]:
    """A form's QueryDict gives lists through getlist; a plain dict holds lists or one value."""
    if hasattr(data, "getlist"):
        return list(data.getlist(name))
    value = data.get(name, [])
    return list(value) if isinstance(value, list | tuple) else [value]


def _clean_one(q: Question, raw: list[str]) -> tuple[Cleaned, str]:
    if not raw:
        return Cleaned(), ""
    if q.is_scale:
        try:
            number = int(raw[0])
        except ValueError:
            return Cleaned(), "Choose a number on the scale."
        if number not in q.scale:
            return Cleaned(), f"Choose a number from {q.scale[0]} to {q.scale[-1]}."
        return Cleaned(number=number), ""
    if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        allowed = [str(c) for c in q.choices or []]
        picked = [v for v in dict.fromkeys(raw) if v in allowed]
        if len(picked) != len(set(raw)):
            return Cleaned(), "Choose from the options shown."
        if q.kind == Question.Kind.SINGLE and len(picked) > 1:
            return Cleaned(), "Choose one option."
        return Cleaned(choices=picked), ""
    limit = SHORT_LIMIT if q.kind == Question.Kind.SHORT else TEXT_LIMIT
    text = raw[0].replace("\x00", "").strip()
    if len(text) > limit:
        return Cleaned(), f"Keep it under {limit} characters ({len(text)} now)."
    return Cleaned(text=text), ""


def from_values(questions: Sequence[Question], values: Mapping[int, Any]) -> dict[str, list[str]]:
    """Turn {question id: value or list} (imports, Typeform) into submitted form data."""
    data: dict[str, list[str]] = {}
    for q in questions:
        value = values.get(q.pk)
        if value is None or value == "":
            continue
        if isinstance(value, list | tuple):
            data[field_name(q)] = [str(v) for v in value]
        else:
            data[field_name(q)] = [str(value)]
    return data
