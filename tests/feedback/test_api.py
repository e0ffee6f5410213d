"""The surveys and responses API: members read, managers write, outsiders get nothing."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from feedback import services
from tests.feedback.conftest import q


def test_outsider_gets_403(api_for, outsider):
    assert api_for(outsider).get("/api/v1/surveys/").status_code == 403
    assert api_for().get("/api/v1/responses/").status_code in (401, 403)


def test_manager_creates_from_template_and_member_reads(api_for, manager, member):
    made = api_for(manager).post("/api/v1/surveys/", {"template": "customer_nps"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["questions"][0]["kind"] == "nps"
    listed = api_for(member).get("/api/v1/surveys/").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == made.json()["id"]


def test_member_cannot_write(api_for, member, csat):
    assert api_for(member).post("/api/v1/surveys/", {"template": "customer_nps"}).status_code == 403
    assert api_for(member).post(f"/api/v1/surveys/{csat.pk}/send/").status_code == 403


def test_errors_are_json_with_a_message(api_for, manager):
    bad = api_for(manager).post("/api/v1/surveys/", {"title": "x"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["detail"] == "Give a title and an audience, or a template."


def test_sending_a_draft_says_why(api_for, manager):
    survey = services.survey_from_template(actor=manager, key="staff_pulse")
    answer = api_for(manager).post(f"/api/v1/surveys/{survey.pk}/send/")
    assert answer.status_code == 400 and "Open the survey" in str(answer.json())


def test_responses_newest_first_with_token_auth(member, csat):
    for score in ("5", "1"):
        services.response_submit(survey=csat, data={q(csat, 0): [score]})
    token = Token.objects.create(user=member)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    listed = api.get(f"/api/v1/responses/?survey={csat.pk}").json()
    assert [r["score"] for r in listed["results"]] == [1, 5]
    assert listed["results"][0]["answers"][0]["number"] == 1
    assert api.get("/api/v1/responses/?survey=abc").status_code == 400
