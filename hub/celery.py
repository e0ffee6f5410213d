"""The Celery application. Configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

app = Celery("crossdock")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _database_connections_as_a_request_would(**kwargs) -> None:
    """Keep a worker's database connection from task to task as the web keeps it from request
    to request: closed once it errored (a restarted or killed server), is older than
    CONN_MAX_AGE, or fails its health check, and reused otherwise. Celery's Django fix-up
    would close it after every task (CELERY_DB_REUSE_MAX in settings makes that a periodic
    recycle), and each event drain would then start a new Postgres backend."""
    from django.db import close_old_connections

    close_old_connections()


@worker_ready.connect
def _run_banner(**kwargs) -> None:
    # ``make run`` (scripts/run.sh) sets this: print the URL and logins again, last.
    if os.environ.get("CROSSDOCK_RUN_BANNER"):
        from hub.banner import print_when_worker_ready

        print_when_worker_ready(**kwargs)
