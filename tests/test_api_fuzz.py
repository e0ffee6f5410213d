"""Schema-based fuzzing of the whole API from its own OpenAPI document: whatever a client sends,
the answer is never a 5xx (a 5xx is always a bug) and every answer matches the schema."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from hub import events
from hub.models import Campaign, Customer, Delivery

# Enough to find a 5xx on every operation in about a minute; raise it to dig deeper.
EXAMPLES_PER_OPERATION = 12


pytestmark = pytest.mark.fuzz


@pytest.fixture
def token(db, admin_user, ops, marketing):
    customer = Customer.objects.create(name="Ana", email="ana@example.com")
    Delivery.objects.create(dispatch_id="d1", customer=customer)
    Campaign.objects.create(name="Spring")
    events.record("generic", "generic.x", "e1", {"a": 1})
    return Token.objects.get_or_create(user=admin_user)[0].key


def operations():
    generated = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)))
    schema.app = get_wsgi_application()
    return [result.ok() for result in schema.get_all_operations()]


@pytest.fixture
def keep_connection():
    """The real WSGI app closes the database connection after each request; the test's
    transaction must outlive them (as Django's test client arranges)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_api_never_answers_5xx_or_outside_its_schema(token, keep_connection):
    failures: list[str] = []
    tried = 0
    for operation in operations():

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def exercise(case):
            headers = {"Authorization": f"Token {token}"}
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance], headers=headers
            )

        tried += 1
        try:
            exercise()
        except (Exception, BaseExceptionGroup) as exc:  # every operation, not only the first
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert tried > 30
    assert not failures, "\n".join(failures)
