"""`make run` (scripts/run.sh): a worker or beat that dies is started again, the web keeps
serving, and the work left behind is done once the worker is back."""

import json
import os
import signal
import subprocess
import time

import pytest

from handoffs.inbound.providers.generic import sign
from handoffs.models import Integration
from hub.models import Event
from tests import processes
from tests.workers import ROOT, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def main_process(sid: int, what: str) -> int | None:
    """The pid of the celery ``what`` (worker or beat) that a supervisor started."""
    live = processes.session_processes(sid)
    supervisors = {pid for pid, _, args in live if "supervise.sh" in args}
    for pid, ppid, args in live:
        if ppid in supervisors and f"-A hub {what}" in args:
            return pid
    return None


def post_event(port: int, integration: Integration, external_id: str) -> int:
    import urllib.request

    body = json.dumps({"type": "signup", "id": external_id}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hooks/{integration.token}/",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Crossdock-Signature": sign(integration.secret, body, int(time.time())),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local
        return response.status


def test_a_killed_worker_and_beat_are_started_again_while_the_web_serves(tmp_path, private_redis):
    integration = Integration.objects.create(name="Zapier", kind="generic", secret="s" * 32)
    port = processes.free_port(processes.WEB_PORTS)
    env = processes.app_env(
        PORT=str(port),
        DEBUG="1",
        CELERY_BROKER_URL=private_redis.url,
        CROSSDOCK_VAR_DIR=str(tmp_path / "var"),
        CROSSDOCK_SWEEP_EVENTS_SECONDS="1",
        CROSSDOCK_EVENT_STALE_SECONDS="1",
    )
    log = tmp_path / "run.log"
    with log.open("w") as out:
        runner = subprocess.Popen(
            ["scripts/run.sh"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: log.read_text().count("ready.") == 1, timeout=90, interval=0.2)
        healthz = f"http://127.0.0.1:{port}/healthz"
        wait_for(lambda: processes.get(healthz) == 200, timeout=30, interval=0.2)
        worker = wait_for(lambda: main_process(runner.pid, "worker"), timeout=30)
        beat = wait_for(lambda: main_process(runner.pid, "beat"), timeout=30)

        os.kill(worker, signal.SIGKILL)
        os.kill(beat, signal.SIGKILL)
        # Ingest goes on while the worker is down; the web answers throughout.
        assert post_event(port, integration, "while-down") == 200
        assert processes.get(healthz) == 200

        wait_for(lambda: log.read_text().count("ready.") == 2, timeout=90, interval=0.2)
        new_worker = wait_for(lambda: main_process(runner.pid, "worker"), timeout=30)
        new_beat = wait_for(lambda: main_process(runner.pid, "beat"), timeout=30)
        assert new_worker != worker and new_beat != beat
        assert runner.poll() is None
        assert processes.get(healthz) == 200
        event = wait_for(
            lambda: Event.objects.filter(
                external_id="while-down", status=Event.Status.PROCESSED
            ).first(),
            timeout=60,
            interval=0.5,
        )
        assert Event.objects.filter(external_id=event.external_id).count() == 1
        assert "worker stopped (exit status" in log.read_text()
        assert "beat stopped (exit status" in log.read_text()
    finally:
        processes.kill_session(runner)
    assert processes.session_processes(runner.pid) == []


def test_stopping_the_whole_process_group_leaves_nothing_running(tmp_path):
    """A process manager or `timeout` signals every process of `make run` at once (the web, the
    supervisors, the worker and its pool): everything stops, no worker is left behind holding
    the embedded database and broker."""
    port = processes.free_port(processes.WEB_PORTS)
    env = processes.app_env(
        PORT=str(port),
        DEBUG="1",
        CELERY_BROKER_URL="",  # the embedded default of `make run`
        CROSSDOCK_VAR_DIR=str(tmp_path / "var"),
    )
    log = tmp_path / "run.log"
    with log.open("w") as out:
        runner = subprocess.Popen(
            ["scripts/run.sh"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: "ready." in log.read_text(), timeout=90, interval=0.2)
        wait_for(lambda: main_process(runner.pid, "beat"), timeout=30)
        wait_for(lambda: processes.get(f"http://127.0.0.1:{port}/healthz") == 200, timeout=30)

        os.killpg(runner.pid, signal.SIGTERM)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and processes.session_processes(runner.pid):
            time.sleep(0.5)
        assert processes.session_processes(runner.pid) == []
    finally:
        processes.kill_session(runner)
