"""Feedback pages by role: managers build and send, members read and (CS/ops) tag, outsiders
see nothing."""

import pytest

from feedback import services
from feedback.models import Survey
from hub.models import AuditLog
from tests.feedback.conftest import q


def test_outsiders_see_nothing(client_for, outsider, csat):
    client = client_for(outsider)
    for url in ("/feedback/", f"/feedback/{csat.pk}/", f"/feedback/{csat.pk}/results/"):
        assert client.get(url).status_code == 403


def test_signed_out_people_are_sent_to_login(client, csat):
    assert client.get("/feedback/").status_code == 302


def test_manager_creates_from_a_template_and_opens_it(client_for, manager):
    client = client_for(manager)
    page = client.get("/feedback/")
    assert "Post-delivery customer CSAT" in page.content.decode()
    made = client.post("/feedback/new/", {"template": "post_delivery_csat"})
    survey = Survey.objects.get()
    assert made["Location"] == f"/feedback/{survey.pk}/"
    client.post(f"/feedback/{survey.pk}/status/", {"status": "active"})
    survey.refresh_from_db()
    assert survey.status == "active"
    detail = client.get(f"/feedback/{survey.pk}/").content.decode()
    assert "/s/embed/" in detail and "Send invitations" in detail


def test_members_read_but_cannot_build_or_send(client_for, member, csat):
    client = client_for(member)
    assert client.get(f"/feedback/{csat.pk}/").status_code == 200
    assert "Send invitations" not in client.get(f"/feedback/{csat.pk}/").content.decode()
    assert client.post("/feedback/new/", {"template": "customer_nps"}).status_code == 403
    assert client.post(f"/feedback/{csat.pk}/send/").status_code == 403
    assert client.post(f"/feedback/{csat.pk}/status/", {"status": "closed"}).status_code == 403
    assert (
        client.post(f"/feedback/{csat.pk}/questions/", {"kind": "short", "text": "x"}).status_code
        == 403
    )


def test_manager_adds_a_question_with_skip_logic(client_for, manager, csat):
    client = client_for(manager)
    first = csat.questions.get(position=0)
    client.post(
        f"/feedback/{csat.pk}/questions/",
        {"kind": "short", "text": "Driver name?", "show_if": first.pk, "show_if_values": "1, 2"},
    )
    added = csat.questions.get(text="Driver name?")
    assert added.show_if == first and added.show_if_values == ["1", "2"]


def test_send_now_from_the_page(client_for, manager, member, pulse):
    client = client_for(manager)
    client.post(f"/feedback/{pulse.pk}/send/")
    assert pulse.invitations.count() == 2
    assert AuditLog.objects.filter(action="survey.send").exists()


def test_results_show_numbers_escaped_text_and_filters(client_for, member, csat):
    for score, text in ((5, "Lovely <b>driver</b>"), (1, "Late again")):
        services.response_submit(survey=csat, data={q(csat, 0): [str(score)], q(csat, 2): [text]})
    client = client_for(member)
    page = client.get(f"/feedback/{csat.pk}/results/").content.decode()
    assert "Lovely &lt;b&gt;driver&lt;/b&gt;" in page
    assert 'data-figure="fig-distribution"' in page
    filtered = client.get(
        f"/feedback/{csat.pk}/results/?q=late&partial=answers", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Late again" in filtered and "Lovely" not in filtered


def test_ops_member_tags_a_theme_with_htmx(client_for, member, csat):
    response = services.response_submit(survey=csat, data={q(csat, 0): ["1"], q(csat, 2): ["Late"]})
    answer = response.answers.get(question__kind="long")
    page = client_for(member).post(
        f"/feedback/answers/{answer.pk}/tag/", {"theme": "Late delivery"}, HTTP_HX_REQUEST="true"
    )
    assert page.status_code == 200 and "Late delivery" in page.content.decode()
    assert "Late delivery" in client_for(member).get("/feedback/themes/").content.decode()


def test_marketing_member_cannot_tag(client_for, csat, marketing):
    from hub.models import Role
    from tests.factories import MembershipFactory, UserFactory

    marketer = UserFactory()
    MembershipFactory(user=marketer, team=marketing, role=Role.MEMBER)
    response = services.response_submit(survey=csat, data={q(csat, 0): ["1"], q(csat, 2): ["x"]})
    answer = response.answers.get(question__kind="long")
    assert (
        client_for(marketer).post(f"/feedback/answers/{answer.pk}/tag/", {"theme": "x"}).status_code
        == 403
    )


def test_csv_export_neutralises_formulas(client_for, member, csat):
    services.response_submit(
        survey=csat, data={q(csat, 0): ["1"], q(csat, 2): ['=HYPERLINK("http://x")']}
    )
    body = client_for(member).get(f"/feedback/{csat.pk}/results.csv").content.decode()
    assert "'=HYPERLINK" in body
    assert "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body


def test_csv_import_from_the_page(client_for, manager, csat):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "export.csv",
        b"Submitted At,How satisfied are you with your delivery?\n2026-11-02 10:00:00,4\n",
        content_type="text/csv",
    )
    client_for(manager).post(f"/feedback/{csat.pk}/import/", {"file": upload})
    assert csat.responses.get().score == 4


@pytest.mark.parametrize("anonymous_team_size", [2])
def test_small_teams_are_withheld_on_anonymous_surveys(
    client_for, manager, member, pulse, anonymous_team_size
):
    services.survey_send(actor=None, survey=pulse, round="r")
    for inv in pulse.invitations.all()[:anonymous_team_size]:
        services.response_submit(survey=pulse, invitation=inv, data={q(pulse, 0): ["4"]})
    page = client_for(manager).get(f"/feedback/{pulse.pk}/results/").content.decode()
    assert "fewer than 5 answers" in page


def test_survey_list_counts_invitations_and_responses_each_once(member, manager, pulse, csat):
    from feedback import selectors

    services.survey_send(actor=None, survey=pulse, round="r")
    invited = pulse.invitations.filter(sent_at__isnull=False).count()
    for inv in pulse.invitations.all()[:2]:
        services.response_submit(survey=pulse, invitation=inv, data={q(pulse, 0): ["4"]})
    services.response_submit(survey=csat, data={q(csat, 0): ["5"]})
    counts = {s.pk: (s.n_invited, s.n_responses) for s in selectors.survey_list(member)}
    assert invited >= 2
    assert counts[pulse.pk] == (invited, 2)
    assert counts[csat.pk] == (0, 1)


def test_a_survey_answered_only_through_its_link_says_so_instead_of_invited_0(
    client_for, manager, csat
):
    """Found trying make run: "Invited 0" next to 115 responses read as a mistake."""
    services.response_submit(survey=csat, data={q(csat, 0): ["5"]})
    page = client_for(manager).get("/feedback/").content.decode()
    row = page[page.index(f'href="/feedback/{csat.pk}/"') :]
    row = row[: row.index("</tr>")]
    assert ">by link<" in row and "<td>0</td>" not in row and "<td>1</td>" in row
