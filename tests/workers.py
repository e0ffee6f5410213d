"""Real `celery worker` processes on Redis, using the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def purge_queue() -> None:
    from hub import events
    from hub.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.default_channel.queue_purge("celery")
    events.wake_clear()  # the drain it stood for was just purged


def queued_drains() -> list[tuple[list, bool]]:
    """(args, has an ETA) of each task waiting in the test broker's queue, oldest first."""
    import base64
    import json

    import redis

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    messages = [json.loads(m) for m in broker.lrange("celery", 0, -1)]
    return [
        (json.loads(base64.b64decode(m["body"]))[0], m["headers"].get("eta") is not None)
        for m in messages
    ]


def send_to(broker_url: str, task, *args) -> None:
    """Publish ``task(*args)`` to a broker other than the test settings' one."""
    from hub.celery import app

    with app.connection_for_write(broker_url) as conn:
        task.apply_async(args, connection=conn, retry=False)


def start_worker(
    log: Path, *, pool: str = "solo", concurrency: int = 1, **env_extra: str
) -> subprocess.Popen:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **env_extra,
    }
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hub",
                "worker",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"Celery worker did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return proc


def stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
