"""A weekly standup of four teams (chair order: Marketing, Operations, Support, Tech), one
member per team besides the shared personas."""

from datetime import UTC, datetime, time

import pytest

from hub.models import Role
from standups import services
from tests.factories import MembershipFactory, TeamFactory, UserFactory

# A Monday in June; the series meets on Tuesdays at 10:00 (UTC, the test time zone).
MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def support(db):
    return TeamFactory(name="Customer Support", slug="customer-support", kind="support")


@pytest.fixture
def tech(db):
    return TeamFactory(name="Tech", slug="tech", kind="tech")


@pytest.fixture
def marketer(db, marketing):
    user = UserFactory(email="marketer@crossdock.test", first_name="Mara")
    MembershipFactory(user=user, team=marketing, role=Role.MEMBER)
    return user


@pytest.fixture
def agent(db, support):
    user = UserFactory(email="agent@crossdock.test", first_name="Sam")
    MembershipFactory(user=user, team=support, role=Role.MEMBER)
    return user


@pytest.fixture
def engineer(db, tech):
    user = UserFactory(email="engineer@crossdock.test", first_name="Tess")
    MembershipFactory(user=user, team=tech, role=Role.MEMBER)
    return user


@pytest.fixture
def series(admin_user, marketing, ops, support, tech):
    return services.series_create(
        actor=admin_user,
        name="Weekly cross-team",
        teams=[marketing, ops, support, tech],
        weekday=1,
        start_time=time(10, 0),
        time_zone="UTC",
        now=MONDAY,
    )


@pytest.fixture
def meeting(series):
    return series.meetings.order_by("scheduled_at").first()
