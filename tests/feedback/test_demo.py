"""The demo company's feedback: a year of answers, the pulse climbing since adoption."""

from datetime import timedelta

from django.utils import timezone

from feedback import selectors, services
from feedback.models import Response, Survey
from handoffs.models import Rule
from hub import demo
from hub.models import Driver, Event


def test_demo_has_a_year_of_believable_feedback(db):
    demo.load(deliveries=3000)
    assert Survey.objects.filter(status="active").count() == 4
    csat = Survey.objects.get(template_key="post_delivery_csat")
    assert csat.invitations.filter(source="rule").count() > 50
    assert csat.responses.filter(source="link").exists()
    assert csat.responses.filter(customer__isnull=False, promo=True).exists()
    oldest = Response.objects.order_by("submitted_at").first().submitted_at
    assert oldest < timezone.now() - timedelta(days=300)
    pulse = Survey.objects.get(template_key="staff_pulse")
    assert not pulse.responses.filter(customer__isnull=False).exists()
    today = timezone.localdate()
    now_review = selectors.review_feedback(today.replace(day=1) - timedelta(days=1))
    then_review = selectors.review_feedback(today - timedelta(days=200))
    assert now_review["comm"] > then_review["comm"]
    assert now_review["themes"]
    assert (
        Event.objects.filter(type="feedback.response.received").count() == Response.objects.count()
    )
    assert Rule.objects.filter(action="feedback.send_survey", enabled=True).exists()
    # The drivers came from Onfleet's duty events, processed like any webhook's.
    duty = Event.objects.filter(type="onfleet.workerDuty")
    assert duty.count() == 12 and set(duty.values_list("status", flat=True)) == {"processed"}
    assert not duty.filter(unmapped=True).exists()
    drivers = Survey.objects.get(template_key="driver_monthly")
    assert drivers.driver_scope == "all"
    assert Driver.objects.filter(active=True).exclude(email="").exclude(zone=None).count() == 12
    assert services.survey_send(actor=None, survey=drivers, round="test") == 12
    demo.reset()
    assert not Survey.objects.exists() and not Event.objects.filter(source="feedback").exists()
    assert not Driver.objects.exists()
