import pytest

from hub.models import Role, Team
from tests.factories import MembershipFactory, UserFactory
from wiki import services


@pytest.fixture
def support(db):
    return Team.objects.get_or_create(
        name="Customer Support", defaults={"slug": "customer-support", "kind": "support"}
    )[0]


@pytest.fixture
def cs_person(db, support):
    user = UserFactory(email="carmen@crossdock.test", username="carmen", first_name="Carmen")
    MembershipFactory(user=user, team=support, role=Role.MEMBER)
    return user


@pytest.fixture
def shared(db):
    return services.shared_space()


@pytest.fixture
def plan(manager, marketing, shared):
    """A campaign plan written by marketing (the manager persona is in Marketing)."""
    return services.page_create_from_template(
        actor=manager,
        space=shared,
        template="campaign_plan",
        title="Spring promo plan",
        context={"zones": ["North", "Harbour"], "promo_codes": "SPRING10", "dates": "1–14 Apr"},
        owner_team=marketing,
    )
