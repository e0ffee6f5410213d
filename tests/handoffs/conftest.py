import pytest

from handoffs.models import Integration
from tests.handoffs import payloads


@pytest.fixture
def onfleet(db):
    return Integration.objects.create(
        name="Onfleet", kind="onfleet", secret=payloads.ONFLEET_SECRET
    )


@pytest.fixture
def hubspot(db):
    return Integration.objects.create(
        name="HubSpot", kind="hubspot", secret=payloads.HUBSPOT_SECRET
    )


@pytest.fixture
def typeform(db):
    return Integration.objects.create(
        name="Typeform", kind="typeform", secret=payloads.TYPEFORM_SECRET
    )


@pytest.fixture
def generic(db):
    return Integration.objects.create(name="Zapier", kind="generic", secret="generic-secret-42")


@pytest.fixture
def post_hook(client):
    def post(integration, body: bytes, **headers):
        return client.generic(
            "POST",
            f"/hooks/{integration.token}/",
            body,
            content_type="application/json",
            **headers,
        )

    return post
