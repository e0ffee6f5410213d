"""The beat tasks are thin and safe to run twice."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from feedback import services, tasks
from handoffs.models import Alert
from tests.feedback.conftest import q


def test_reminder_task_sends_once_per_due_reminder(csat, customer, delivery):
    services.survey_send_for_delivery(survey=csat, customer=customer, delivery=delivery)
    with time_machine.travel(timezone.now() + timedelta(days=3, hours=1)):
        assert tasks.send_reminders_task() == 1
        assert tasks.send_reminders_task() == 0
    assert Alert.objects.filter(subject__startswith="Reminder:").count() == 1


def test_summary_task_posts_last_month_once(csat, ops, member):
    with time_machine.travel("2026-11-15 10:00Z"):
        services.response_submit(survey=csat, data={q(csat, 0): ["4"]})
    with time_machine.travel("2026-12-01 08:30Z"):
        assert tasks.post_summaries_task() == 2  # operations and marketing
        tasks.post_summaries_task()
    alerts = Alert.objects.filter(subject__startswith="Feedback in November 2026")
    assert alerts.count() == 2  # one per team inbox, not repeated
    assert "CSAT: 4.0 (1 answers)" in alerts.first().body


def test_scheduled_task_is_quiet_on_other_days(pulse):
    with time_machine.travel("2026-12-09 09:00Z"):
        assert tasks.send_scheduled_task() == 0
