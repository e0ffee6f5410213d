"""The home page's feedback block: a person's own unanswered survey links, and for members the
last 30 days of each open survey."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feedback import selectors, services
from tests.feedback.conftest import q


def test_member_sees_their_unanswered_pulse_and_recent_scores(client_for, member, pulse, csat):
    services.survey_send(actor=None, survey=pulse, round="month:2026-11")
    for score in (5, 4, 1):
        services.response_submit(survey=csat, data={q(csat, 0): [str(score)]})
    invitation = pulse.invitations.get(email=member.email)
    page = client_for(member).get("/").content.decode()
    assert f"/s/{invitation.token}/" in page
    assert "Waiting for your answer" in page
    assert "How was your delivery?" in page and "3 responses" in page and "3.33 / 5" in page


def test_answered_or_expired_links_leave_the_block(member, pulse):
    services.survey_send(actor=None, survey=pulse, round="month:2026-11")
    invitation = pulse.invitations.get(email=member.email)
    services.response_submit(survey=pulse, data={q(pulse, 0): ["4"]}, invitation=invitation)
    assert selectors.feedback_for_home(member)["to_answer"] == []
    services.survey_send(actor=None, survey=pulse, round="month:2026-12")
    later = timezone.now() + timedelta(days=pulse.expires_after_days + 1)
    assert selectors.feedback_for_home(member, now=later)["to_answer"] == []


def test_someone_elses_link_is_never_shown(client_for, member, manager, pulse):
    services.survey_send(actor=None, survey=pulse, round="month:2026-11")
    others = pulse.invitations.get(email=manager.email)
    page = client_for(member).get("/").content.decode()
    assert others.token not in page


def test_outsider_sees_no_results(client_for, outsider, csat):
    services.response_submit(survey=csat, data={q(csat, 0): ["5"]})
    page = client_for(outsider).get("/").content.decode()
    assert 'data-testid="feedback-home"' in page
    assert "How was your delivery?" not in page and "No survey is waiting for your answer" in page


def test_nps_surveys_show_their_nps(member, manager):
    nps = services.survey_from_template(actor=manager, key="customer_nps")
    nps = services.survey_set_status(actor=manager, survey=nps, status="active")
    for score in (10, 9, 3):
        services.response_submit(survey=nps, data={q(nps, 0): [str(score)]})
    rows = selectors.feedback_for_home(member)["recent"]
    assert [r["score"] for r in rows if r["survey"] == nps] == ["NPS +33"]


def test_the_block_costs_the_same_queries_with_more_surveys(member, manager):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.feedback_for_home(member)
        return len(captured)

    survey = services.survey_from_template(actor=manager, key="customer_nps")
    services.survey_set_status(actor=manager, survey=survey, status="active")
    count()  # the person's role is looked up once, then cached on them
    before = count()
    for key in ("post_delivery_csat", "staff_pulse", "driver_monthly"):
        made = services.survey_from_template(actor=manager, key=key)
        services.survey_set_status(actor=manager, survey=made, status="active")
    assert count() == before
