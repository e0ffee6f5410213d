"""Feedback fixtures: a support team, a demo-like customer with a completed delivery, and the
post-delivery CSAT made from its template and opened."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from feedback import services
from handoffs import services as handoff_services
from handoffs.models import Alert
from hub.models import Customer, Delivery, PromoCode, Role, Zone
from tests.factories import MembershipFactory, TeamFactory, UserFactory


@pytest.fixture
def support(db):
    return TeamFactory(name="Customer Support", slug="customer-support", kind="support")


@pytest.fixture
def cs_member(support):
    user = UserFactory(email="cs@crossdock.test", first_name="Cy")
    MembershipFactory(user=user, team=support, role=Role.MEMBER)
    return user


@pytest.fixture
def zone(db):
    return Zone.objects.create(code="downtown", name="Downtown")


@pytest.fixture
def customer(zone):
    return Customer.objects.create(
        name="Ana Ruiz", email="ana@mail.example", dispatch_id="rcp_ana", zone=zone
    )


@pytest.fixture
def delivery(customer, zone):
    now = timezone.now()
    return Delivery.objects.create(
        dispatch_id="task-1",
        customer=customer,
        zone=zone,
        status=Delivery.Status.SUCCEEDED,
        completed_at=now - timedelta(minutes=5),
        window_start=now - timedelta(hours=1),
        window_end=now + timedelta(hours=1),
        on_time=True,
        promo_code=PromoCode.objects.create(code="WELCOME10"),
    )


@pytest.fixture
def csat(manager):
    survey = services.survey_from_template(actor=manager, key="post_delivery_csat")
    return services.survey_set_status(actor=manager, survey=survey, status="active")


@pytest.fixture
def pulse(manager):
    survey = services.survey_from_template(actor=manager, key="staff_pulse")
    return services.survey_set_status(actor=manager, survey=survey, status="active")


def send_outbox() -> None:
    """Send every pending alert, as the worker would."""
    for pk in Alert.objects.filter(status=Alert.Status.PENDING).values_list("pk", flat=True):
        handoff_services.alert_send(pk)


def invite_emails(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def q(survey, position: int) -> str:
    return f"q{survey.questions.get(position=position).pk}"
