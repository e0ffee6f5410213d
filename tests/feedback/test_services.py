"""Surveys, invitations, responses, reminders, opt-outs and themes through the services."""

import csv
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from feedback import selectors, services
from feedback.models import Answer, Invitation, OptOut, Response, Survey
from handoffs.models import Alert
from hub.errors import DomainError
from hub.models import AuditLog, Event
from tests.feedback.conftest import q, send_outbox


def test_template_makes_a_draft_with_questions_and_skip_logic(manager):
    survey = services.survey_from_template(actor=manager, key="post_delivery_csat")
    assert survey.status == Survey.Status.DRAFT
    questions = list(survey.questions.all())
    assert [x.kind for x in questions] == ["csat", "single", "long"]
    assert questions[0].measures == "csat"
    assert questions[1].show_if == questions[0]
    assert questions[1].show_if_values == ["1", "2", "3"]
    assert AuditLog.objects.filter(action="survey.create").exists()


def test_staff_pulse_is_anonymous_by_default(manager):
    survey = services.survey_from_template(actor=manager, key="staff_pulse")
    assert survey.anonymous and survey.audience == "staff"
    assert survey.questions.get(measures="comm").kind == "rating"


def test_members_cannot_build_surveys(member):
    with pytest.raises(DomainError, match="Only managers"):
        services.survey_from_template(actor=member, key="customer_nps")


def test_choice_question_needs_two_options(manager, csat):
    with pytest.raises(DomainError, match="two options"):
        services.question_add(actor=manager, survey=csat, kind="single", text="Pick", choices=["a"])


def test_one_kpi_question_per_survey(manager, csat):
    with pytest.raises(DomainError, match="already has a question"):
        services.question_add(actor=manager, survey=csat, kind="csat", text="x", measures="csat")


def test_delivery_invite_emails_once_and_respects_the_cooldown(csat, customer, delivery):
    inv, said = services.survey_send_for_delivery(survey=csat, customer=customer, delivery=delivery)
    assert inv is not None and said == "emailed “How was your delivery?” to ana@mail.example"
    again, said = services.survey_send_for_delivery(
        survey=csat, customer=customer, delivery=delivery
    )
    assert again is None and "in the last 30 days" in said
    send_outbox()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert f"/s/{inv.token}/" in message.body
    assert "Answer the survey" in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe"].endswith(f"/s/{inv.token}/unsubscribe/>")


def test_cooldown_ends_after_thirty_days(csat, customer, delivery):
    services.survey_send_for_delivery(survey=csat, customer=customer, delivery=delivery)
    later = timezone.now() + timedelta(days=31)
    inv, _ = services.survey_send_for_delivery(
        survey=csat, customer=customer, delivery=None, now=later
    )
    assert inv is not None


def test_opted_out_customers_are_never_invited(csat, customer, delivery):
    services.optout_create(email="ANA@mail.example ")
    inv, said = services.survey_send_for_delivery(survey=csat, customer=customer, delivery=delivery)
    assert inv is None and "opted out" in said
    assert OptOut.objects.get().email == "ana@mail.example"


def test_answering_stores_scores_facts_and_records_an_event(csat, customer, delivery):
    inv, _ = services.survey_send_for_delivery(survey=csat, customer=customer, delivery=delivery)
    response = services.response_submit(
        survey=csat,
        invitation=inv,
        data={q(csat, 0): ["2"], q(csat, 1): ["Arrived late"], q(csat, 2): ["Late <b>again</b>"]},
    )
    assert response.score == 2 and response.measure == "csat"
    assert response.customer == customer and response.delivery == delivery
    assert response.zone.code == "downtown" and response.promo
    assert Answer.objects.filter(response=response).count() == 3
    inv.refresh_from_db()
    assert inv.answered_at is not None
    event = Event.objects.get(type="feedback.response.received")
    assert event.payload["score"] == 2
    assert event.payload["customer_id"] == customer.pk
    assert event.payload["delivery_id"] == delivery.pk
    assert event.payload["zone"] == "downtown"


def test_an_invitation_answers_once(csat, customer, delivery):
    inv, _ = services.survey_send_for_delivery(survey=csat, customer=customer, delivery=delivery)
    services.response_submit(survey=csat, invitation=inv, data={q(csat, 0): ["5"]})
    with pytest.raises(DomainError, match="already been answered"):
        services.response_submit(survey=csat, invitation=inv, data={q(csat, 0): ["1"]})
    assert Response.objects.count() == 1


def test_expired_links_are_refused(csat, customer, delivery):
    inv, _ = services.survey_send_for_delivery(survey=csat, customer=customer, delivery=delivery)
    with pytest.raises(DomainError, match="expired"):
        services.response_submit(
            survey=csat,
            invitation=inv,
            data={q(csat, 0): ["5"]},
            now=timezone.now() + timedelta(days=15),
        )


def test_required_scale_and_length_limits(csat):
    with pytest.raises(DomainError, match="Please answer"):
        services.response_submit(survey=csat, data={q(csat, 2): ["hi"]})
    with pytest.raises(DomainError, match="from 1 to 5"):
        services.response_submit(survey=csat, data={q(csat, 0): ["9"]})
    with pytest.raises(DomainError, match="under 2000"):
        services.response_submit(survey=csat, data={q(csat, 0): ["4"], q(csat, 2): ["x" * 2001]})


def test_skip_logic_drops_answers_to_hidden_questions(csat):
    response = services.response_submit(
        survey=csat, data={q(csat, 0): ["5"], q(csat, 1): ["Arrived late"]}
    )
    assert list(response.answers.values_list("question__position", flat=True)) == [0]


def test_anonymous_responses_keep_no_link_to_the_person(pulse, member, ops):
    services.survey_send(actor=None, survey=pulse, round="month:2026-11")
    inv = Invitation.objects.get(email=member.email)
    assert inv.team == ops
    response = services.response_submit(survey=pulse, invitation=inv, data={q(pulse, 0): ["4"]})
    assert response.invitation is None and response.customer is None
    assert response.team == ops and response.score == 4 and response.measure == "comm"
    assert response.submitted_at.hour == 12 and response.submitted_at.minute == 0
    event = Event.objects.get(type="feedback.response.received")
    assert "customer_id" not in event.payload


def test_send_now_invites_each_person_once_per_round(pulse, manager, member, admin_user):
    assert services.survey_send(actor=manager, survey=pulse, round="now:1") == 3
    assert services.survey_send(actor=manager, survey=pulse, round="now:1") == 0
    send_outbox()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [manager.email, member.email, admin_user.email]
    )


def test_a_draft_cannot_be_sent(manager):
    survey = services.survey_from_template(actor=manager, key="staff_pulse")
    with pytest.raises(DomainError, match="Open the survey"):
        services.survey_send(actor=manager, survey=survey, round="x")


def test_scheduled_surveys_go_out_on_the_first_monday_once(pulse, member):
    pulse.schedule = "first_monday"
    pulse.save()
    with time_machine.travel("2026-12-07 09:00Z"):  # a Monday, the first of December
        assert services.surveys_send_scheduled() == 2  # the manager and the member
        assert services.surveys_send_scheduled() == 0
    with time_machine.travel("2026-12-14 09:00Z"):
        assert services.surveys_send_scheduled() == 0


def test_reminders_after_n_days_at_most_m_and_never_after_an_answer(csat, customer, delivery):
    inv, _ = services.survey_send_for_delivery(survey=csat, customer=customer, delivery=delivery)
    start = timezone.now()
    assert services.reminders_send(now=start + timedelta(days=1)) == 0
    assert services.reminders_send(now=start + timedelta(days=3, minutes=1)) == 1
    assert services.reminders_send(now=start + timedelta(days=3, minutes=2)) == 0
    assert services.reminders_send(now=start + timedelta(days=6, minutes=2)) == 1
    assert services.reminders_send(now=start + timedelta(days=9, minutes=3)) == 0  # at most 2
    reminders = Alert.objects.filter(subject="Reminder: How was your delivery?")
    assert reminders.count() == 2
    assert {a.address for a in reminders} == {"ana@mail.example"}
    inv.refresh_from_db()
    assert inv.reminders_sent == 2


def test_no_reminder_after_answer_or_opt_out(csat, customer, delivery, zone):
    inv, _ = services.survey_send_for_delivery(survey=csat, customer=customer, delivery=delivery)
    services.response_submit(survey=csat, invitation=inv, data={q(csat, 0): ["4"]})
    assert services.reminders_send(now=timezone.now() + timedelta(days=4)) == 0
    other = services.invitation_create(survey=csat, email="bo@mail.example", round="r")
    services.invitation_send(invitation=other)
    services.optout_create(email="bo@mail.example")
    assert services.reminders_send(now=timezone.now() + timedelta(days=4)) == 0


def test_themes_are_tagged_by_cs_and_counted_per_month(csat, cs_member, member, marketing):
    response = services.response_submit(
        survey=csat, data={q(csat, 0): ["1"], q(csat, 2): ["Driver was rude"]}
    )
    answer = response.answers.get(question__kind="long")
    services.answer_tag(actor=cs_member, answer=answer, name="driver  conduct")
    services.answer_tag(actor=member, answer=answer, name="Driver conduct")  # ops member
    assert list(answer.themes.values_list("name", flat=True)) == ["Driver conduct"]
    table = selectors.themes_by_month(3)
    assert table["rows"][0]["name"] == "Driver conduct"
    assert table["rows"][0]["counts"][-1] == 1


def test_marketing_members_cannot_tag(csat, marketing):
    from hub.models import Role
    from tests.factories import MembershipFactory, UserFactory

    marketer = UserFactory()
    MembershipFactory(user=marketer, team=marketing, role=Role.MEMBER)
    response = services.response_submit(survey=csat, data={q(csat, 0): ["1"], q(csat, 2): ["x"]})
    with pytest.raises(DomainError, match="Customer support"):
        services.answer_tag(
            actor=marketer, answer=response.answers.get(question__kind="long"), name="Late"
        )


def test_typeform_responses_become_responses_of_the_linked_survey(csat, customer):
    from hub import events

    csat.typeform_form_id = "csat01"
    csat.save()
    payload = {
        "event_id": "ev-1",
        "form_response": {
            "form_id": "csat01",
            "token": "tok-1",
            "submitted_at": "2026-11-20T10:00:00Z",
            "hidden": {"customer_email": "ana@mail.example"},
            "answers": [{"type": "number", "number": 2, "field": {"id": "q1"}}],
        },
    }
    recorded = events.record("typeform", "typeform.form_response", "ev-1", payload)
    events.process(recorded.event.pk)
    events.replay(recorded.event)
    events.process(recorded.event.pk)
    response = Response.objects.get()
    assert response.source == "typeform" and response.score == 2
    assert response.customer == customer
    assert response.external_id == "tok-1"


def test_csv_import_of_a_google_forms_export(manager, csat):
    text = (
        "Timestamp,How satisfied are you with your delivery?,Anything else you want us to know?\n"
        "2026/11/02 10:00:00,5,Great\n"
        '2026/11/03 11:00:00,1,=HYPERLINK("x")\n'
        '2026/11/03 11:00:00,1,=HYPERLINK("x")\n'
        "2026/11/04 11:00:00,9,Out of range\n"
    )
    result = services.responses_import_csv(actor=manager, survey=csat, text=text)
    assert result.stored == 2 and result.skipped == 2
    assert any("Row 5" in p for p in result.problems)
    assert sorted(Response.objects.values_list("score", flat=True)) == [1, 5]


def test_csv_import_skips_a_row_the_reader_cannot_read_and_keeps_the_others(manager, csat):
    huge = "x" * (csv.field_size_limit() + 10)
    text = (
        "Timestamp,How satisfied are you with your delivery?,Anything else you want us to know?\n"
        "2026/11/02 10:00:00,5,Great\n"
        f"2026/11/03 11:00:00,4,{huge}\n"
        "2026/11/04 11:00:00,2,Late\n"
    )
    result = services.responses_import_csv(actor=manager, survey=csat, text=text)
    assert result.stored == 2 and result.skipped == 1
    assert any(p.startswith("Row 3: this row can't be read") for p in result.problems)
    assert sorted(Response.objects.values_list("score", flat=True)) == [2, 5]


def test_review_feedback_gives_the_months_numbers_and_themes(csat, cs_member, manager):
    for score in (5, 4, 1):
        r = services.response_submit(
            survey=csat, data={q(csat, 0): [str(score)], q(csat, 2): [f"comment {score}"]}
        )
    services.answer_tag(actor=cs_member, answer=r.answers.get(question__kind="long"), name="Late")
    review = selectors.review_feedback(timezone.localdate())
    assert review["responses"] == 3 and review["csat"] == pytest.approx(3.33)
    assert review["themes"] == [{"name": "Late", "count": 1}]
    assert review["comments"][0]["score"] == 1


def test_monthly_summary_goes_to_every_team_once(csat, ops, marketing, member):
    services.response_submit(survey=csat, data={q(csat, 0): ["4"]})
    month = timezone.localdate().replace(day=1)
    assert services.summary_post(month=month) == 2
    services.summary_post(month=month)
    send_outbox()
    from hub.models import Notification

    assert (
        Notification.objects.filter(recipient=member, title__startswith="Feedback in").count() == 1
    )


def test_multiple_choice_and_text_from_a_posted_form(manager):
    from django.http import QueryDict

    survey = services.survey_from_template(actor=manager, key="driver_monthly")
    data = QueryDict(mutable=True)
    data.setlist(q(survey, 0), ["3"])
    data.setlist(q(survey, 1), ["Traffic", "App issues"])
    data.setlist(q(survey, 2), ["Long text here"])
    response = services.response_submit(survey=survey, data=data)
    by_position = {a.question.position: a for a in response.answers.all()}
    assert by_position[1].choices == ["Traffic", "App issues"]
    assert by_position[2].text == "Long text here"
