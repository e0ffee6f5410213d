"""A row written once per unique key, in one statement, without a model instance."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.inserts import InsertOnce
from hub.models import Event

ONCE = InsertOnce(
    Event, conflict=("source", "external_id"), given=("source", "type", "external_id")
)


def test_a_row_is_written_once_per_key_and_gets_the_model_defaults(db):
    values = {"source": "generic", "type": "generic.ping", "external_id": "k-1"}
    with CaptureQueriesContext(connection) as captured:
        first = ONCE(dict(values))
        again = ONCE({**values, "type": "generic.other"})
    assert len(captured) == 2  # one statement each, no lookup and no savepoint
    assert first is not None
    assert again is None
    stored = Event.objects.get()
    assert (stored.pk, stored.type, stored.status, stored.attempts) == (
        first,
        "generic.ping",
        Event.Status.PENDING,
        0,
    )
    assert stored.payload == {} and stored.progress == {} and stored.uuid is not None


def test_the_defaults_made_for_a_row_are_handed_back(db):
    values = {"source": "generic", "type": "generic.ping", "external_id": "k-2"}
    ONCE(values)
    stored = Event.objects.get()
    assert values["uuid"] == stored.uuid
    assert values["received_at"] == stored.received_at


def test_a_field_the_model_lacks_is_a_clear_error_and_writes_nothing(db):
    wrong = InsertOnce(Event, conflict=("source", "external_id"), given=("source", "kind"))
    with pytest.raises(ValueError, match=r"hub\.Event has no field kind"):
        wrong({"source": "generic", "kind": "x"})
    assert not Event.objects.exists()
