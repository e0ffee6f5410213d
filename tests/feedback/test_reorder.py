"""Reordering a survey's questions: by the whole order (drag and drop, the API) or one step at a
time (Up/Down buttons); skip logic keeps a question below the one it looks at."""

import pytest

from feedback import services
from hub.errors import DomainError
from hub.models import AuditLog


def order(survey) -> list[str]:
    return list(survey.questions.order_by("position", "id").values_list("text", flat=True))


def ids(survey) -> list[int]:
    return list(survey.questions.order_by("position", "id").values_list("pk", flat=True))


def test_reorder_saves_positions_and_is_audited(manager, csat):
    score, why, text = ids(csat)
    services.questions_reorder(actor=manager, survey=csat, order=[score, text, why])
    assert order(csat)[1] == "Anything else you want us to know?"
    assert list(csat.questions.order_by("position").values_list("position", flat=True)) == [0, 1, 2]
    assert AuditLog.objects.filter(action="survey.questions_reorder").count() == 1
    # The same order again changes nothing and audits nothing.
    services.questions_reorder(actor=manager, survey=csat, order=[score, text, why])
    assert AuditLog.objects.filter(action="survey.questions_reorder").count() == 1


def test_skip_logic_keeps_a_question_below_the_one_it_reads(manager, csat):
    score, why, text = ids(csat)
    with pytest.raises(DomainError, match="keep it below"):
        services.questions_reorder(actor=manager, survey=csat, order=[why, score, text])
    assert ids(csat) == [score, why, text]


@pytest.mark.parametrize(
    "bad", [[1], ["x", "y", "z"], "dup", "other-survey"], ids=["short", "text", "dup", "foreign"]
)
def test_an_order_that_is_not_every_question_once_is_refused(manager, csat, bad):
    score, why, text = ids(csat)
    if bad == "dup":
        bad = [score, score, text]
    elif bad == "other-survey":
        other = services.survey_from_template(actor=manager, key="customer_nps")
        bad = [score, why, other.questions.first().pk]
    with pytest.raises(DomainError):
        services.questions_reorder(actor=manager, survey=csat, order=bad)
    assert ids(csat) == [score, why, text]


def test_members_cannot_reorder(member, csat):
    score, why, text = ids(csat)
    with pytest.raises(DomainError):
        services.questions_reorder(actor=member, survey=csat, order=[score, text, why])
    assert ids(csat) == [score, why, text]


def test_move_one_step_and_stay_at_the_ends(manager, csat):
    score, why, text = ids(csat)
    services.question_move(actor=manager, question=csat.questions.get(pk=text), offset=-1)
    assert ids(csat) == [score, text, why]
    services.question_move(actor=manager, question=csat.questions.get(pk=score), offset=-1)
    assert ids(csat) == [score, text, why]


def test_up_down_buttons_post_and_come_back_to_the_question(client_for, manager, csat):
    score, why, text = ids(csat)
    client = client_for(manager)
    page = client.get(f"/feedback/{csat.pk}/").content.decode()
    assert f'action="/feedback/{csat.pk}/questions/{text}/move/"' in page
    # Above the question it depends on: refused with the reason, nothing changes.
    refused = client.post(
        f"/feedback/{csat.pk}/questions/{why}/move/", {"direction": "up"}, follow=True
    )
    assert "keep it below" in refused.content.decode()
    assert ids(csat) == [score, why, text]
    moved = client.post(f"/feedback/{csat.pk}/questions/{text}/move/", {"direction": "up"})
    assert moved["Location"] == f"/feedback/{csat.pk}/#question-{text}"
    assert ids(csat) == [score, text, why]


def test_order_endpoint_answers_json(client_for, manager, member, csat):
    score, why, text = ids(csat)
    url = f"/feedback/{csat.pk}/questions/order/"
    saved = client_for(manager).post(url, {"order": [score, text, why]})
    assert saved.status_code == 200 and saved.json()["order"] == [score, text, why]
    bad = client_for(manager).post(url, {"order": [why, score, text]})
    assert bad.status_code == 400 and "keep it below" in bad.json()["detail"]
    assert client_for(member).post(url, {"order": [score, why, text]}).status_code == 403
    assert ids(csat) == [score, text, why]


def test_question_of_another_survey_is_404(client_for, manager, csat):
    other = services.survey_from_template(actor=manager, key="customer_nps")
    foreign = other.questions.first().pk
    response = client_for(manager).post(
        f"/feedback/{csat.pk}/questions/{foreign}/move/", {"direction": "up"}
    )
    assert response.status_code == 404


def test_api_reorders_and_refuses_a_bad_order(api_for, manager, member, csat):
    score, why, text = ids(csat)
    url = f"/api/v1/surveys/{csat.pk}/reorder/"
    done = api_for(manager).post(url, {"questions": [score, text, why]}, format="json")
    assert done.status_code == 200, done.content
    assert [q["id"] for q in done.json()["questions"]] == [score, text, why]
    bad = api_for(manager).post(url, {"questions": [score]}, format="json")
    assert bad.status_code == 400 and "every question" in bad.json()["detail"]
    empty = api_for(manager).post(url, {}, format="json")
    assert empty.status_code == 400
    assert (
        api_for(member).post(url, {"questions": [score, why, text]}, format="json").status_code
        == 403
    )
    assert ids(csat) == [score, text, why]


def test_manager_rewords_a_question_and_its_options_until_answered(client_for, manager, csat):
    score, why, _text = ids(csat)
    client = client_for(manager)
    page = client.get(f"/feedback/{csat.pk}/").content.decode()
    assert f'action="/feedback/{csat.pk}/questions/{why}/edit/"' in page
    assert "Arrived late\nDriver conduct\n" in page
    client.post(
        f"/feedback/{csat.pk}/questions/{why}/edit/",
        {"text": "What went wrong?", "help_text": "Pick one", "choices": "Late\nRude\n"},
    )
    question = csat.questions.get(pk=why)
    assert (question.text, question.help_text, question.choices, question.required) == (
        "What went wrong?",
        "Pick one",
        ["Late", "Rude"],
        False,
    )
    assert AuditLog.objects.filter(action="survey.question_update").exists()
    services.response_submit(survey=csat, data={f"q{score}": ["1"], f"q{why}": ["Late"]})
    refused = client.post(
        f"/feedback/{csat.pk}/questions/{why}/edit/",
        {"text": "What went wrong?", "choices": "Late\nSomething else"},
        follow=True,
    )
    assert "options stay as they are" in refused.content.decode()
    assert csat.questions.get(pk=why).choices == ["Late", "Rude"]
    # Rewording stays possible; an empty question is refused.
    client.post(
        f"/feedback/{csat.pk}/questions/{why}/edit/",
        {"text": "What went wrong, mainly?", "choices": "Late\nRude", "required": "on"},
    )
    question.refresh_from_db()
    assert question.text == "What went wrong, mainly?" and question.required
    client.post(f"/feedback/{csat.pk}/questions/{why}/edit/", {"text": " "})
    assert csat.questions.get(pk=why).text == "What went wrong, mainly?"


def test_members_cannot_edit_questions(client_for, member, csat):
    score = ids(csat)[0]
    answer = client_for(member).post(f"/feedback/{csat.pk}/questions/{score}/edit/", {"text": "x"})
    assert answer.status_code == 403
    assert csat.questions.get(pk=score).text != "x"


def test_api_adds_rewords_and_removes_questions(api_for, manager, member, csat):
    score = ids(csat)[0]
    url = f"/api/v1/surveys/{csat.pk}/questions/"
    made = api_for(manager).post(
        url,
        {
            "kind": "single",
            "text": "Which door?",
            "choices": ["Front", "Back"],
            "show_if": score,
            "show_if_values": ["1", "2"],
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    new = made.json()
    assert new["position"] == 3 and new["show_if"] == score and new["choices"] == ["Front", "Back"]
    bad = api_for(manager).post(
        url, {"kind": "single", "text": "One?", "choices": ["A"]}, format="json"
    )
    assert bad.status_code == 400 and "two options" in bad.json()["detail"]
    foreign = api_for(manager).post(
        url,
        {"kind": "short", "text": "x", "show_if": 999999, "show_if_values": ["1"]},
        format="json",
    )
    assert foreign.status_code == 404
    assert (
        api_for(member).post(url, {"kind": "short", "text": "x"}, format="json").status_code == 403
    )

    one = f"/api/v1/surveys/{csat.pk}/questions/{new['id']}/"
    edited = api_for(manager).patch(one, {"text": "Which door, front or back?"}, format="json")
    assert edited.status_code == 200 and edited.json()["text"] == "Which door, front or back?"
    assert edited.json()["choices"] == ["Front", "Back"]
    assert api_for(member).delete(one).status_code == 403
    assert api_for(manager).delete(one).status_code == 204
    assert csat.questions.count() == 3
