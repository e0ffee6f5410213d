"""A pilot's review goes on its owner teams' standups; its write-up is a docs page, linked both
ways; docs name the maps, pilots and KPIs they link to."""

from datetime import timedelta

import pytest
import time_machine

from hub.models import Event, Team
from kpis import registry as kpi_registry
from standups import services as standup_services
from standups.models import AgendaItem
from tests.workflows.factories import draw
from tests.workflows.test_pilots import at, start_pilot
from wiki import selectors as wiki_selectors
from workflows import services
from workflows.models import Pilot, Transition


@pytest.fixture
def friction(member, ops):
    map_, _ = draw(member)
    point = Transition.objects.get(map=map_, source__name="Signup", target__name="First order")
    return services.friction_add(
        actor=member, map=map_, transition=point, kind="manual", severity=3, owner_team=ops
    )


def test_pilot_review_goes_on_the_next_standup_of_its_owner_teams(
    member, admin_user, friction, ops, marketing
):
    tech = Team.objects.create(name="Tech", slug="tech")
    finance = Team.objects.create(name="Finance", slug="finance")
    pilot = start_pilot(member, friction, ops, marketing)
    review_day = pilot.ends_on + timedelta(days=1)
    with time_machine.travel(at(review_day, 6), tick=False):
        weekly = standup_services.series_create(
            actor=admin_user, name="Weekly cross-team", teams=[marketing, ops, tech]
        )
        tech_only = standup_services.series_create(
            actor=admin_user, name="Tech sync", teams=[tech, finance]
        )
        assert Pilot.objects.get(pk=pilot.pk).status == Pilot.Status.RUNNING
        assert services.pilots_schedule_reviews() == 1
        assert services.pilots_schedule_reviews() == 0  # twice: still one item
    event = Event.objects.get(type="workflows.pilot.review_due")
    [item] = AgendaItem.objects.filter(meeting__series=weekly)
    assert item.title == f"Pilot review: {pilot.title}"
    assert item.event == event
    assert item.team == marketing  # the first owner team in the series brings it
    assert pilot.get_absolute_url() in item.body
    assert item.meeting.scheduled_at > at(review_day, 6)
    assert not AgendaItem.objects.filter(meeting__series=tech_only).exists()


def test_pilot_writeup_is_a_docs_page_linked_both_ways(
    client_for, api_for, member, friction, ops, marketing
):
    pilot = start_pilot(member, friction, ops, marketing)
    page = wiki_selectors.page_get(pilot.writeup_page_id)
    assert page.template == "pilot"
    assert page.owner_team == marketing  # the first owner team, by name
    assert page.title == f"Pilot write-up: {pilot.title}"
    assert pilot.get_absolute_url() in page.body
    assert "- Owner teams: Marketing, Operations" in page.body
    assert "| Missed handoffs / month | | |" in page.body
    body = client_for(member).get(page.get_absolute_url()).content.decode()
    assert f"Write-up of the pilot “{pilot.title}”" in body
    assert f"Pilot: {pilot.title}" in body  # the chip in the page names the pilot
    detail = client_for(member).get(pilot.get_absolute_url()).content.decode()
    assert page.get_absolute_url() in detail
    # The API says the same, both ways.
    api = api_for(member)
    assert api.get(f"/api/v1/pilots/{pilot.pk}/").json()["writeup_page"] == page.pk
    [related] = api.get(f"/api/v1/pages/{page.pk}/").json()["related"]
    assert related["url"] == pilot.get_absolute_url()
    with time_machine.travel(at(pilot.ends_on + timedelta(days=1)), tick=False):
        services.pilots_schedule_reviews()
        services.pilot_decide(
            actor=member, pilot=pilot, decision="adopt", writeup="It worked: keep the rule."
        )
    page.refresh_from_db()
    assert "## At the decision\nIt worked: keep the rule." in page.body
    assert page.revision_number == 2


def test_write_up_text_of_an_older_pilot_moves_into_a_page_when_first_opened(
    client_for, member, friction, ops, marketing
):
    pilot = start_pilot(member, friction, ops, marketing)
    Pilot.objects.filter(pk=pilot.pk).update(writeup_page=None, writeup="Old notes: it worked.")
    before = set(Pilot.objects.values_list("writeup_page_id", flat=True))
    response = client_for(member).get(pilot.get_absolute_url())
    assert response.status_code == 200
    pilot.refresh_from_db()
    assert pilot.writeup == ""
    assert pilot.writeup_page_id not in before
    page = wiki_selectors.page_get(pilot.writeup_page_id)
    assert "## Write-up\nOld notes: it worked." in page.body
    assert [r.note for r in page.revisions.order_by("number")] == ["", "Write-up of the pilot"]
    client_for(member).get(pilot.get_absolute_url())  # a second open makes no second page
    assert Pilot.objects.get(pk=pilot.pk).writeup_page_id == page.pk


def test_doc_chips_name_maps_pilots_and_kpis(member, friction, ops, marketing):
    pilot = start_pilot(member, friction, ops, marketing)
    map_ = friction.map
    metric = kpi_registry.metric_list()[0]
    body = (
        f"[/workflows/maps/{map_.pk}/](/workflows/maps/{map_.pk}/) "
        f"[/kpis/m/{metric.key}/](/kpis/m/{metric.key}/) "
        f"[/workflows/pilots/{pilot.pk}/](/workflows/pilots/{pilot.pk}/) "
        "[/kpis/m/nope/](/kpis/m/nope/)"
    )
    html = wiki_selectors.render_for_user(member, body)
    assert f">Workflow map: {map_.name} <span" in html
    assert f'href="/workflows/maps/{map_.pk}/"' in html
    assert f">KPI: {metric.label}</a>" in html
    assert f'href="/kpis/m/{metric.key}/"' in html
    assert f">Pilot: {pilot.title} <span" in html
    assert "no such KPI" in html


def test_a_pilot_without_owner_teams_still_opens(client_for, member, friction, ops, marketing):
    pilot = start_pilot(member, friction, ops, marketing)
    Pilot.objects.filter(pk=pilot.pk).update(writeup_page=None)
    pilot.owner_teams.clear()
    response = client_for(member).get(pilot.get_absolute_url())
    assert response.status_code == 200
    assert "The pilot has no owner team to keep its write-up." in response.content.decode()
