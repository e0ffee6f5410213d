"""Driver surveys go to the hub's drivers: every active driver with an address, or the chosen
ones; reminders follow as for anyone, and anonymous driver surveys keep no link to the driver."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback import services
from feedback.models import Invitation
from hub import services as hub_services
from hub.errors import DomainError
from hub.models import Driver


@pytest.fixture
def drivers(member):
    made = [
        hub_services.driver_save(actor=member, data={"name": n, "email": e, "active": a})
        for n, e, a in (
            ("Ana", "ana@d.example", True),
            ("Bo", "bo@d.example", True),
            ("Cy", "cy@d.example", False),
        )
    ]
    made.append(hub_services.driver_save(actor=member, data={"name": "Dee", "email": ""}))
    return made


@pytest.fixture
def driver_survey(manager):
    survey = services.survey_from_template(actor=manager, key="driver_monthly")
    return services.survey_set_status(actor=manager, survey=survey, status="active")


def test_goes_to_every_active_driver_with_an_address(manager, driver_survey, drivers):
    sent = services.survey_send(actor=manager, survey=driver_survey, round="month:2026-11")
    assert sent == 2
    assert sorted(driver_survey.invitations.values_list("email", flat=True)) == [
        "ana@d.example",
        "bo@d.example",
    ]
    # Anonymous by default: the invitation does not name the driver.
    assert not driver_survey.invitations.filter(driver__isnull=False).exists()


def test_chosen_drivers_only_and_named_when_not_anonymous(manager, driver_survey, drivers):
    _ana, bo, cy, _ = drivers
    services.survey_save(
        actor=manager,
        survey=driver_survey,
        data={"anonymous": False, "driver_scope": "chosen", "drivers": [bo, cy]},
    )
    assert services.survey_send(actor=manager, survey=driver_survey, round="r1") == 1
    invitation = driver_survey.invitations.get()
    assert invitation.email == "bo@d.example" and invitation.driver == bo


def test_sending_with_nobody_to_invite_says_why(manager, driver_survey, drivers):
    services.survey_save(actor=manager, survey=driver_survey, data={"driver_scope": "chosen"})
    with pytest.raises(DomainError, match="Choose the drivers"):
        services.survey_send(actor=manager, survey=driver_survey, round="r1")
    Driver.objects.update(active=False)
    services.survey_save(actor=manager, survey=driver_survey, data={"driver_scope": "all"})
    with pytest.raises(DomainError, match="Drivers page"):
        services.survey_send(actor=manager, survey=driver_survey, round="r1")
    assert not driver_survey.invitations.exists()


def test_a_bad_scope_is_refused(manager, driver_survey):
    with pytest.raises(DomainError):
        services.survey_save(actor=manager, survey=driver_survey, data={"driver_scope": "some"})


def test_scheduled_send_skips_a_survey_with_nobody_and_sends_the_rest(
    manager, driver_survey, pulse, member
):
    monday = timezone.now().replace(year=2026, month=11, day=2, hour=9)
    services.survey_save(actor=manager, survey=driver_survey, data={"driver_scope": "chosen"})
    services.survey_save(actor=manager, survey=pulse, data={"schedule": "first_monday"})
    assert services.surveys_send_scheduled(now=monday) >= 1
    assert pulse.invitations.exists() and not driver_survey.invitations.exists()


def test_drivers_get_reminders_until_they_answer(manager, driver_survey, drivers):
    now = timezone.now()
    services.survey_send(actor=manager, survey=driver_survey, round="r1", now=now)
    later = now + timedelta(days=driver_survey.reminder_after_days, minutes=1)
    assert services.reminders_send(now=later) == 2
    ana = driver_survey.invitations.get(email="ana@d.example")
    services.response_submit(
        survey=driver_survey,
        data={f"q{driver_survey.questions.order_by('position').first().pk}": ["4"]},
        invitation=ana,
        now=later,
    )
    even_later = later + timedelta(days=driver_survey.reminder_after_days, minutes=1)
    assert services.reminders_send(now=even_later) == 1


def test_settings_page_offers_the_drivers(client_for, manager, driver_survey, drivers):
    client = client_for(manager)
    page = client.get(f"/feedback/{driver_survey.pk}/").content.decode()
    assert "Chosen drivers" in page and "Cy" in page and "inactive" in page
    assert "Every active driver with an email address" in page
    ana = drivers[0]
    saved = client.post(
        f"/feedback/{driver_survey.pk}/",
        {
            "title": driver_survey.title,
            "audience": "drivers",
            "min_group_size": 5,
            "driver_scope": "chosen",
            "drivers": [ana.pk],
            "reminder_after_days": 3,
            "max_reminders": 2,
            "expires_after_days": 14,
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]
    driver_survey.refresh_from_db()
    assert driver_survey.driver_scope == "chosen"
    assert list(driver_survey.drivers.all()) == [ana]


def test_api_sets_chosen_drivers(api_for, manager, driver_survey, drivers):
    bo = drivers[1]
    answer = api_for(manager).patch(
        f"/api/v1/surveys/{driver_survey.pk}/",
        {"driver_scope": "chosen", "drivers": [bo.pk]},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["drivers"] == [bo.pk] and answer.json()["driver_scope"] == "chosen"
    bad = api_for(manager).patch(
        f"/api/v1/surveys/{driver_survey.pk}/", {"drivers": [999999]}, format="json"
    )
    assert bad.status_code == 400


def test_anonymous_driver_answers_keep_the_zone_only(manager, member, driver_survey, zone):
    ana = hub_services.driver_save(
        actor=member, data={"name": "Ana", "email": "ana@d.example", "zone": zone}
    )
    services.survey_send(actor=manager, survey=driver_survey, round="r1")
    invitation = driver_survey.invitations.get()
    assert invitation.driver is None and invitation.zone == zone
    first = driver_survey.questions.order_by("position").first()
    response = services.response_submit(
        survey=driver_survey, data={f"q{first.pk}": ["4"]}, invitation=invitation
    )
    assert response.zone == zone and response.invitation is None
    # Nothing on the response leads back to Ana.
    assert not Invitation.objects.filter(driver=ana).exists()
    assert (response.customer_id, response.delivery_id) == (None, None)
