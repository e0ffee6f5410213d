"""Nothing typed is lost and nothing is stuck: campaigns and promo codes can be changed,
promo codes switched off, incidents show what was written, channel tests show their status."""

from datetime import date

import pytest

from handoffs import services
from handoffs.models import Alert, Channel
from hub import business
from hub.models import AuditLog, Event, Zone


@pytest.fixture
def north(db):
    return Zone.objects.create(code="northgate", name="Northgate")


@pytest.fixture
def south(db):
    return Zone.objects.create(code="southside", name="Southside")


@pytest.fixture
def campaign(admin_user, north):
    return business.campaign_create(
        actor=admin_user, name="Spring", channel="social", zones=[north], budget=1000
    )


def test_member_edits_a_campaigns_name_dates_zones_and_budget(client_for, member, campaign, south):
    response = client_for(member).post(
        f"/campaigns/{campaign.pk}/edit/",
        {
            "name": "Spring flyers",
            "channel": "offline",
            "zones": [south.pk],
            "starts_on": "2027-03-01",
            "ends_on": "2027-03-31",
            "budget": "2500",
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "Spring flyers"
    assert (campaign.starts_on, campaign.ends_on) == (date(2027, 3, 1), date(2027, 3, 31))
    assert list(campaign.zones.all()) == [south]
    assert campaign.budget == 2500
    updated = Event.objects.get(type="hub.campaign.updated")
    assert updated.payload["changed"] == [
        "budget",
        "channel",
        "ends_on",
        "name",
        "starts_on",
        "zone_names",
        "zones",
    ]
    assert AuditLog.objects.filter(action="campaign.update").count() == 1


def test_campaign_edit_form_is_prefilled_and_explains_bad_dates(client_for, member, campaign):
    client = client_for(member)
    page = client.get(f"/campaigns/{campaign.pk}/edit/").content.decode()
    assert 'value="Spring"' in page
    response = client.post(
        f"/campaigns/{campaign.pk}/edit/",
        {
            "name": "Spring",
            "channel": "social",
            "starts_on": "2027-03-10",
            "ends_on": "2027-03-01",
            "budget": "0",
        },
    )
    assert "ends before it starts" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.starts_on is None


def test_promo_code_is_changed_and_switched_off(client_for, member, admin_user, campaign):
    promo = business.promo_code_create(
        actor=admin_user, code="SPRING10", discount_percent=10, campaign=campaign
    )
    client = client_for(member)
    client.post(
        f"/promo-codes/{promo.pk}/",
        {"discount_percent": "15", "valid_from": "2027-03-01", "valid_until": "2027-03-31"},
    )
    promo.refresh_from_db()
    assert promo.discount_percent == 15
    assert promo.valid_until == date(2027, 3, 31)
    assert Event.objects.get(type="hub.promo_code.changed").payload["discount_percent"] == 15

    client.post(f"/promo-codes/{promo.pk}/", {"active": "0"})
    promo.refresh_from_db()
    assert not promo.active
    assert Event.objects.filter(type="hub.promo_code.deactivated").count() == 1
    client.post(f"/promo-codes/{promo.pk}/", {"active": "0"})  # twice: no second event
    assert Event.objects.filter(type="hub.promo_code.deactivated").count() == 1
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="promo-inactive"' in page
    assert f"/promo-codes/{promo.pk}/" in page


def test_incident_description_is_shown(client_for, member, campaign):
    client = client_for(member)
    client.post(
        f"/campaigns/{campaign.pk}/incident/",
        {
            "kind": "campaign_error",
            "title": "Wrong zone on the flyer",
            "description": "Flyers promise Northgate delivery by noon; ops start at 2 pm.",
        },
    )
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Flyers promise Northgate delivery by noon; ops start at 2 pm." in page


def test_channel_test_shows_its_status_in_the_channel_row(client_for, admin_user, ops, slack):
    channel = Channel.objects.create(team=ops, kind="slack", name="#ops", target=slack.url)
    client = client_for(admin_user)
    response = client.post(f"/handoffs/channels/{channel.pk}/test/", follow=True)
    page = response.content.decode()
    row = page[page.index(f'id="channel-{channel.pk}"') :]
    cell = row[
        row.index('data-testid="last-test"') : row.index(
            "</td>", row.index('data-testid="last-test"')
        )
    ]
    assert "Pending" in cell
    assert "waiting for a worker" in cell
    services.alert_send(Alert.objects.get(channel=channel).pk)
    page = client.get("/handoffs/channels/").content.decode()
    row = page[page.index(f'id="channel-{channel.pk}"') :]
    cell = row[
        row.index('data-testid="last-test"') : row.index(
            "</td>", row.index('data-testid="last-test"')
        )
    ]
    assert "Sent" in cell
    assert "✓ 200" in cell


def test_api_changes_a_campaign_through_the_same_service(api_for, member, campaign, south):
    response = api_for(member).patch(
        f"/api/v1/campaigns/{campaign.pk}/",
        {"budget": "4000", "zones": [south.code]},
        format="json",
    )
    assert response.status_code == 200, response.content
    campaign.refresh_from_db()
    assert campaign.budget == 4000
    assert list(campaign.zones.all()) == [south]
    assert Event.objects.get(type="hub.campaign.updated").payload["changed"] == [
        "budget",
        "zone_names",
        "zones",
    ]
