"""What people read on a handoff: titles that name what it is about, one date format with the
time zone, readable links, the same id in the breadcrumb and the title."""

from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from handoffs import services
from handoffs.models import Handoff
from hub import business, events
from hub.models import Event, Zone
from hub.templatetags.crossdock_dates import day, when


def test_one_date_format_with_the_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    moment = datetime(2026, 11, 30, 13, 5, tzinfo=UTC)
    with timezone.override("Europe/Berlin"):
        assert when(moment) == "Mon 30 Nov 2026, 14:05 CET"
    assert day(date(2026, 11, 30)) == "30 Nov 2026"
    assert when(None) == ""


def test_handoff_page_shows_due_time_zone_readable_link_and_consistent_id(client_for, member, ops):
    handoff = services.handoff_create(
        team=ops,
        title="Check capacity",
        link="/handoffs/explain/?event=2",
        due_at=timezone.now() + timedelta(hours=2),
    )
    page = client_for(member).get(handoff.get_absolute_url()).content.decode()
    assert "Why it was raised (Explain): event #2</a>" in page
    assert ">/handoffs/explain/?event=2<" not in page
    assert f"Handoff #{handoff.pk}</li>" in page
    assert "UTC" in page  # due time with its zone
    listing = client_for(member).get("/handoffs/").content.decode()
    assert timezone.localtime(handoff.due_at).strftime("%H:%M UTC") in listing


def test_campaign_handoff_title_names_the_campaign_and_its_zones(admin_user, ops):
    rule = services.rule_from_template(actor=admin_user, key="campaign_capacity")
    services.rule_set_enabled(actor=admin_user, rule=rule, enabled=True)
    riverside = Zone.objects.create(code="riverside", name="Riverside")
    campaign = business.campaign_create(
        actor=admin_user,
        name="Spring flyers",
        channel="offline",
        zones=[riverside],
        starts_on=date(2026, 12, 1),
    )
    business.campaign_set_status(actor=admin_user, campaign=campaign, status="scheduled")
    for event in Event.objects.filter(status="pending"):
        events.process(event.pk)
    handoff = Handoff.objects.get(rule=rule)
    assert handoff.title == "Confirm capacity: Spring flyers in Riverside from 2026-12-01"
