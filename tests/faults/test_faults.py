"""Faults with real processes: nothing the provider was told we accepted is lost, and no channel
gets a message twice.

Each test runs the web (gunicorn), two Celery workers, beat and a Redis of its own, sends events
through the signed webhook endpoint while it breaks something, then prints its figures: sent,
accepted, stored, handoffs, and per channel delivered, duplicated, closed as outcome unknown (a
Slack digest a killed worker may have cut short: closed, never sent twice), lost.
"""

import threading
import time

import pytest
from django.db import connection

from tests import receivers
from tests.faults.rig import Rig, assert_nothing_lost_or_duplicated

pytestmark = [
    pytest.mark.worker,
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(1500),
]


@pytest.fixture
def make_rig(tmp_path, private_redis):
    rigs = []

    def make(**kwargs) -> Rig:
        rigs.append(Rig(tmp_path, private_redis, **kwargs))
        return rigs[-1]

    yield make
    for rig in rigs:
        rig.stop()


@pytest.fixture
def rig(make_rig):
    return make_rig()


def keys(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{n}" for n in range(count)]


def test_workers_sigkilled_repeatedly_during_1000_events(rig):
    sent = keys("kill", 1000)
    sender = rig.send_in_background(sent, batch=50, pause=0.5)
    kills = 0
    # Kill a worker every few seconds, wherever it is: during ingest and while it sends.
    while kills < 4 and not rig.settled(sent):
        time.sleep(4)
        rig.kill_worker(kills % len(rig.workers))
        kills += 1
    sender.join(timeout=300)
    rig.wait_settled(sent)

    figures = rig.ledger(f"workers SIGKILLed {kills} times", sent)
    assert kills >= 4
    # A kill that lands while a worker posts a Slack digest leaves that digest's outcome
    # unknown: closed, not repeated (README: how faults are survived).
    assert_nothing_lost_or_duplicated(figures, 1000, interrupted_sends=kills)


def test_redis_down_60_seconds_during_ingest(make_rig):
    # Prefork, as in production: a worker holding a task when Redis went away used to exit.
    rig = make_rig(workers_count=1, pool="prefork", concurrency=2)
    sent = keys("outage", 200)
    rig.send(sent[:60])
    rig.redis.stop()
    down_at = time.monotonic()
    # The provider keeps sending while the broker is down: the hub still answers 2xx.
    rig.send(sent[60:140], pause=2.0)
    time.sleep(max(0.0, 60 - (time.monotonic() - down_at)))
    rig.redis.start()
    rig.send(sent[140:])
    rig.wait_settled(sent)

    figures = rig.ledger("Redis down 60 s during ingest", sent)
    assert_nothing_lost_or_duplicated(figures, 200)
    # Every request was answered the first time: a publish to a down broker fails at once.
    assert figures["provider_retries"] == {}
    # The workers rode the outage out (they reconnect; nobody restarted them).
    assert all(worker.poll() is None for worker in rig.workers)


def test_database_connections_killed_repeatedly(rig):
    sent = keys("dbkill", 200)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (own_pid,) = cursor.fetchone()
    stop = threading.Event()
    killed: list[int] = []

    def kill_connections() -> None:
        # Only this test database's backends, never this test's own connections.
        from django.db import connection as killer

        try:
            while not stop.is_set():
                with killer.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND pid <> %s",
                        [own_pid],
                    )
                    killed.append(cursor.fetchone()[0])
                time.sleep(0.3)
        finally:
            killer.close()

    thread = threading.Thread(target=kill_connections, daemon=True)
    sender = rig.send_in_background(sent, batch=10, pause=0.1)
    thread.start()
    try:
        time.sleep(30)  # while events arrive and the workers process and send them
    finally:
        stop.set()
        thread.join(timeout=30)
    sender.join(timeout=600)
    rig.wait_settled(sent)

    figures = rig.ledger(
        f"Postgres connections killed ({sum(killed)} in {len(killed)} rounds)", sent
    )
    assert sum(killed) > 0
    assert_nothing_lost_or_duplicated(figures, 200)


def test_slack_answering_500_429_and_hanging(rig):
    rate_limited = receivers.Reply(429, "rate_limited", {"Retry-After": "1"})
    hanging = receivers.Reply(delay=4, drop=True)  # longer than the 2 s channel timeout
    rig.slack.then(
        receivers.SLACK_ERROR,
        rate_limited,
        hanging,
        receivers.SLACK_ERROR,
        rate_limited,
        hanging,
        receivers.SLACK_ERROR,
    )
    sent = keys("slack", 150)
    rig.send(sent, batch=10, pause=0.2)
    rig.wait_settled(sent)

    figures = rig.ledger("Slack answering 500, 429 with Retry-After, and hanging", sent)
    assert rig.slack.script == []  # every scripted failure was answered
    assert figures["slack_not_posted"] == 7
    assert_nothing_lost_or_duplicated(figures, 150)
