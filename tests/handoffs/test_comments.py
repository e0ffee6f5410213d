"""Comments on handoffs: anyone who may see a handoff may comment, on the page or through the
API alike; the receiving team and earlier commenters are told, never the author; an empty or
oversized comment is refused with the same words either way and changes nothing."""

import pytest

from handoffs import services
from handoffs.models import Alert, HandoffComment
from hub.models import AuditLog, Role
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def ops_mate(db, ops):
    user = UserFactory(email="otto@crossdock.test", first_name="Otto")
    MembershipFactory(user=user, team=ops, role=Role.MEMBER)
    return user


@pytest.fixture
def handoff(db, ops):
    return services.handoff_create(team=ops, title="Confirm Saturday vans for Riverside")


def comment(via, client_for, api_for, user, handoff, body):
    if via == "web":
        return client_for(user).post(f"/handoffs/h/{handoff.pk}/comments/", {"body": body})
    return api_for(user).post(
        f"/api/v1/handoffs/{handoff.pk}/comments/", {"body": body}, format="json"
    )


def told(user) -> set[str]:
    return set(
        Alert.objects.filter(recipient=user, purpose=Alert.Purpose.MESSAGE).values_list(
            "kind", flat=True
        )
    )


@pytest.mark.parametrize("via", ["web", "api"])
def test_someone_outside_the_team_comments_and_the_team_is_told(
    via, client_for, api_for, manager, member, ops_mate, handoff
):
    response = comment(via, client_for, api_for, manager, handoff, "  Can you take 40 more?  ")
    assert response.status_code == (302 if via == "web" else 201)
    saved = HandoffComment.objects.get()
    assert (saved.handoff, saved.author, saved.body) == (handoff, manager, "Can you take 40 more?")
    audit = AuditLog.objects.get(action="handoff.comment")
    assert (audit.actor, audit.object_id) == (manager, str(handoff.pk))
    # Every member of the receiving team, in their inbox and by email; not the author.
    assert told(member) == {"inbox", "email"}
    assert told(ops_mate) == {"inbox", "email"}
    assert told(manager) == set()
    alert = Alert.objects.filter(recipient=member).first()
    assert (
        alert.subject
        == f"{manager.display_name} commented on “Confirm Saturday vans for Riverside”"
    )
    assert alert.body == "Can you take 40 more?"
    assert alert.link == f"/handoffs/h/{handoff.pk}/#comment-{saved.pk}"
    if via == "api":
        assert response.json()["author_name"] == manager.display_name
    # The comment is in the handoff's timeline, after "raised".
    page = client_for(member).get(handoff.get_absolute_url()).content.decode()
    timeline = page[page.index('data-testid="handoff-timeline"') :]
    assert timeline.index("Raised") < timeline.index(f'id="comment-{saved.pk}"')
    assert "Can you take 40 more?" in timeline


def test_earlier_commenters_are_told_of_replies_but_not_of_their_own(
    api_for, manager, member, admin_user, handoff
):
    services.handoff_comment_add(handoff=handoff, author=manager, body="Can you take 40 more?")
    Alert.objects.all().delete()
    services.handoff_comment_add(handoff=handoff, author=member, body="Yes, from 8 am.")
    assert told(manager) == {"inbox", "email"}
    assert told(member) == set()
    assert told(admin_user) == {"inbox", "email"}  # an Operations member too


@pytest.mark.parametrize("via", ["web", "api"])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Write something to comment."),
        ("x" * 4001, "A comment can be at most 4000 characters; this one has 4001."),
    ],
)
def test_an_empty_or_oversized_comment_is_refused_the_same_way(
    via, body, message, client_for, api_for, manager, member, handoff
):
    response = comment(via, client_for, api_for, manager, handoff, body)
    assert response.status_code == 400
    if via == "web":
        assert message in response.content.decode()
    else:
        assert response.json()["detail"] == message
    assert not HandoffComment.objects.exists()
    assert not AuditLog.objects.filter(action="handoff.comment").exists()
    assert told(member) == set()


@pytest.mark.parametrize("via", ["web", "api"])
def test_outsiders_cannot_comment(via, client_for, api_for, outsider, handoff):
    response = comment(via, client_for, api_for, outsider, handoff, "Hello")
    assert response.status_code == 403
    assert not HandoffComment.objects.exists()


def test_commenting_does_not_let_others_acknowledge(client_for, manager, handoff):
    client = client_for(manager)
    client.post(f"/handoffs/h/{handoff.pk}/comments/", {"body": "Not ours, but noted."})
    page = client.get(handoff.get_absolute_url()).content.decode()
    assert "Acknowledge</button>" not in page
    assert 'data-testid="comment-form"' in page
    assert "You can comment below, or hand it on" in page
    client.post(f"/handoffs/h/{handoff.pk}/ack/")
    handoff.refresh_from_db()
    assert handoff.status == "open"


def test_the_api_lists_comments_newest_first(api_for, manager, member, handoff):
    first = services.handoff_comment_add(handoff=handoff, author=manager, body="First")
    second = services.handoff_comment_add(handoff=handoff, author=member, body="Second")
    data = api_for(member).get(f"/api/v1/handoffs/{handoff.pk}/comments/").json()
    assert data["count"] == 2
    assert [c["id"] for c in data["results"]] == [second.pk, first.pk]
    assert data["results"][1] | {"created_at": None} == {
        "id": first.pk,
        "handoff": handoff.pk,
        "author": manager.pk,
        "author_name": manager.display_name,
        "body": "First",
        "created_at": None,
    }
