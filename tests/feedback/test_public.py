"""The public survey pages: no login, answered once, clear expired pages, rate-limited, escaped,
unsubscribe forever, and the embeddable survey for the order-tracking page."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from feedback import services
from feedback.models import OptOut, Response
from tests.feedback.conftest import q


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def invitation(csat, customer, delivery):
    inv, _ = services.survey_send_for_delivery(survey=csat, customer=customer, delivery=delivery)
    return inv


def test_the_link_works_without_login_and_shows_only_the_survey(invitation, customer):
    page = Client().get(f"/s/{invitation.token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "How satisfied are you with your delivery?" in html
    assert customer.email not in html and customer.name not in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_answering_thanks_then_says_already_answered(invitation, csat):
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/s/{invitation.token}/")
    token = page.cookies["csrftoken"].value
    done = client.post(
        f"/s/{invitation.token}/",
        {"csrfmiddlewaretoken": token, q(csat, 0): "2", q(csat, 2): "<script>x</script>"},
    )
    assert done.status_code == 302 and done["Location"].endswith("/thanks/")
    assert "Thank you" in client.get(done["Location"]).content.decode()
    again = client.get(f"/s/{invitation.token}/")
    assert again.status_code == 410 and "Already answered" in again.content.decode()
    assert Response.objects.get().answers.get(question__kind="long").text == "<script>x</script>"


def test_a_post_without_csrf_is_refused(invitation, csat):
    refused = Client(enforce_csrf_checks=True).post(f"/s/{invitation.token}/", {q(csat, 0): "5"})
    assert refused.status_code == 403
    assert not Response.objects.exists()


def test_missing_required_answer_shows_the_form_again(invitation, csat):
    page = Client().post(f"/s/{invitation.token}/", {q(csat, 2): "no score"})
    assert page.status_code == 400
    assert "Please answer this question." in page.content.decode()
    assert "no score" in page.content.decode()


def test_expired_links_say_so(invitation):
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    page = Client().get(f"/s/{invitation.token}/")
    assert page.status_code == 410 and "has expired" in page.content.decode()


def test_unknown_links_are_404(db):
    assert Client().get("/s/nope/").status_code == 404


def test_rate_limited_per_ip(invitation):
    client = Client()
    codes = [client.get(f"/s/{invitation.token}/").status_code for _ in range(62)]
    assert codes[0] == 200 and codes[-1] == 429


def test_one_click_unsubscribe_is_honoured_forever(invitation, csat, customer, delivery):
    page = Client().get(f"/s/{invitation.token}/unsubscribe/")
    assert page.status_code == 200
    done = Client(enforce_csrf_checks=True).post(
        f"/s/{invitation.token}/unsubscribe/", {"List-Unsubscribe": "One-Click"}
    )
    assert done.status_code == 200 and OptOut.objects.filter(email=customer.email).exists()
    later = timezone.now() + timedelta(days=400)
    inv, said = services.survey_send_for_delivery(
        survey=csat, customer=customer, delivery=delivery, now=later
    )
    assert inv is None and "opted out" in said


def test_embed_may_be_framed_and_attributes_the_order(csat, delivery):
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/s/embed/{csat.embed_key}/?order=task-1")
    assert page.status_code == 200
    assert "X-Frame-Options" not in page
    assert "frame-ancestors https:" in page["Content-Security-Policy"]
    form_token = page.context["form_token"]
    done = client.post(
        f"/s/embed/{csat.embed_key}/?order=forged", {"form_token": form_token, q(csat, 0): "4"}
    )
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    response = Response.objects.get()
    assert response.order_ref == "task-1" and response.delivery == delivery
    assert response.source == "embed"
    again = client.post(f"/s/embed/{csat.embed_key}/", {"form_token": form_token, q(csat, 0): "1"})
    assert "already in" in again.content.decode()
    assert Response.objects.count() == 1


def test_embed_refuses_a_forged_form_token(csat):
    page = Client().post(f"/s/embed/{csat.embed_key}/", {"form_token": "x", q(csat, 0): "4"})
    assert page.status_code == 400 and not Response.objects.exists()


def test_embed_origins_restrict_framing(csat, manager):
    services.survey_save(
        actor=manager, survey=csat, data={"embed_origins": "https://track.swiftdrop.example"}
    )
    page = Client().get(f"/s/embed/{csat.embed_key}/")
    assert "frame-ancestors https://track.swiftdrop.example" in page["Content-Security-Policy"]


def test_other_pages_still_refuse_framing(client, member):
    client.force_login(member)
    page = client.get("/feedback/")
    assert page["X-Frame-Options"] == "DENY"
