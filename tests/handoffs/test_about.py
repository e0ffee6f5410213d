"""The "About" row on a handoff's page names the object its link points at, and links to it
only when the viewer may open it."""

from datetime import date

from feedback import services as feedback_services
from handoffs import services
from hub import business, events
from hub.models import Event
from standups import services as standup_services
from wiki import services as wiki_services
from workflows import services as workflow_services


def about(client, handoff) -> str:
    page = client.get(handoff.get_absolute_url()).content.decode()
    start = page.index('data-testid="handoff-about"')
    return page[start : page.index("</td>", start)]


def test_about_names_the_campaign_not_its_id(client_for, member, admin_user, ops):
    campaign = business.campaign_create(
        actor=admin_user, name="Riverside weekend", channel="offline", starts_on=date(2026, 12, 5)
    )
    handoff = services.handoff_create(team=ops, title="Capacity", link=f"/campaigns/{campaign.pk}/")
    cell = about(client_for(member), handoff)
    assert f'<a href="/campaigns/{campaign.pk}/">Campaign: Riverside weekend</a>' in cell
    assert "#" not in cell


def test_about_names_but_does_not_link_what_the_viewer_cannot_open(
    client_for, member, admin_user, ops
):
    rule = services.rule_from_template(actor=admin_user, key="campaign_capacity")
    handoff = services.handoff_create(team=ops, title="Check", link=f"/handoffs/rules/{rule.pk}/")
    cell = about(client_for(member), handoff)
    assert f"Rule: {rule.name}" in cell
    assert "<a " not in cell
    cell = about(client_for(admin_user), handoff)
    assert f'<a href="/handoffs/rules/{rule.pk}/">Rule: {rule.name}</a>' in cell


def test_about_names_the_event_a_rule_raised_it_for(client_for, member, ops):
    events.record("generic", "generic.order", "o-7", {"id": 7})
    event = Event.objects.get(external_id="o-7")
    handoff = services.handoff_create(
        team=ops, title="Order", link=f"/handoffs/explain/?event={event.pk}"
    )
    cell = about(client_for(member), handoff)
    assert f"Why it was raised: generic.order event #{event.pk}</a>" in cell


def test_about_names_objects_of_other_modules(client_for, member, admin_user, ops):
    map_ = workflow_services.map_create(actor=admin_user, name="Promo code to dispatch")
    handoff = services.handoff_create(team=ops, title="Map", link=f"/workflows/maps/{map_.pk}/")
    cell = about(client_for(member), handoff)
    assert f'<a href="/workflows/maps/{map_.pk}/">Workflow map: Promo code to dispatch</a>' in cell
    review = services.handoff_create(team=ops, title="Review", link="/kpis/reviews/2026-10/")
    assert "Monthly review: October 2026</a>" in about(client_for(member), review)


def test_about_says_when_the_object_is_gone(client_for, member, ops):
    handoff = services.handoff_create(team=ops, title="Gone", link="/campaigns/999999/")
    cell = about(client_for(member), handoff)
    assert "A campaign (no longer exists)" in cell
    assert "<a " not in cell


def test_about_does_not_repeat_the_event_row(client_for, member, ops):
    events.record("generic", "generic.order", "o-8", {"id": 8})
    event = Event.objects.get(external_id="o-8")
    handoff = services.handoff_create(
        team=ops, title="Order", link=f"/handoffs/explain/?event={event.pk}", event=event
    )
    page = client_for(member).get(handoff.get_absolute_url()).content.decode()
    assert f"?event={event.pk}" in page  # the Event row
    assert 'data-testid="handoff-about"' not in page


def test_the_api_says_what_a_handoff_is_about_as_the_page_does(api_for, member, admin_user, ops):
    rule = services.rule_from_template(actor=admin_user, key="campaign_capacity")
    handoff = services.handoff_create(team=ops, title="Check", link=f"/handoffs/rules/{rule.pk}/")
    url = f"/api/v1/handoffs/{handoff.pk}/"
    assert api_for(member).get(url).json()["about"] == {"label": f"Rule: {rule.name}", "url": ""}
    assert api_for(admin_user).get(url).json()["about"] == {
        "label": f"Rule: {rule.name}",
        "url": f"/handoffs/rules/{rule.pk}/",
    }
    plain = services.handoff_create(team=ops, title="No link")
    assert api_for(member).get(f"/api/v1/handoffs/{plain.pk}/").json()["about"] is None
    assert "about" not in api_for(member).get("/api/v1/handoffs/").json()["results"][0]


def test_about_names_docs_surveys_and_standups(
    client_for, member, manager, admin_user, ops, marketing
):
    doc = wiki_services.page_create(
        actor=admin_user, space=wiki_services.shared_space(), title="Promo calendar"
    )
    survey = feedback_services.survey_from_template(actor=manager, key="post_delivery_csat")
    series = standup_services.series_create(
        actor=admin_user, name="Weekly ops", teams=[ops, marketing]
    )
    meeting = series.meetings.order_by("scheduled_at").first()
    expected = {
        doc.get_absolute_url(): "Doc: Promo calendar",
        f"/feedback/{survey.pk}/results/": "Survey: How was your delivery?",
        f"/standups/series/{series.pk}/": "Standup: Weekly ops",
        meeting.get_absolute_url(): "Standup: Weekly ops, ",
    }
    for link, label in expected.items():
        handoff = services.handoff_create(team=ops, title="See", link=link)
        cell = about(client_for(member), handoff)
        assert f'<a href="{link}">{label}' in cell, cell
