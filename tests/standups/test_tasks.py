"""Beat runs the standup tasks; each is thin and safe to run twice."""

from datetime import timedelta

import time_machine
from django.conf import settings

from handoffs.models import Alert
from hub.celery import app
from standups import tasks
from standups.models import Meeting


def test_the_beat_schedule_names_registered_standup_tasks():
    app.loader.import_default_modules()
    names = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    ours = [n for n in names if n.startswith("standups.")]
    assert sorted(ours) == [
        "standups.announce_chairs",
        "standups.generate_meetings",
        "standups.send_reminders",
        "standups.sync_blockers",
    ]
    assert all(n in app.tasks for n in ours)


def test_tasks_run_twice_change_nothing_the_second_time(series, meeting):
    with time_machine.travel(meeting.scheduled_at - timedelta(hours=3), tick=False):
        assert tasks.generate_meetings_task() == 0
        assert tasks.send_reminders_task() == 4
        assert tasks.send_reminders_task() == 0
        assert tasks.announce_chairs_task() == 1
        tasks.announce_chairs_task()
        assert tasks.sync_blockers_task() == 0
    assert Alert.objects.filter(subject__contains="chairs").count() == 4
    assert Meeting.objects.count() == 4
