"""The Celery application. Configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

app = Celery("crossdock")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _run_banner(**kwargs) -> None:
    # ``make run`` (scripts/run.sh) sets this: print the URL and logins again, last.
    if os.environ.get("CROSSDOCK_RUN_BANNER"):
        from hub.banner import print_when_worker_ready

        print_when_worker_ready(**kwargs)
