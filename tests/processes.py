"""Real processes for the fault tests: a private Redis, the web (gunicorn), beat, the runner.

Each test starts its own and stops them; nothing here touches the shared Redis or another
session's database connections.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

from tests.workers import ROOT, wait_for

# The ports these tests may listen on (the web) and run a private Redis on.
WEB_PORTS = range(18613, 18631)
REDIS_PORTS = range(6391, 6400)


def free_port(candidates: range) -> int:
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {candidates.start}-{candidates.stop - 1}")


def database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def app_env(**extra: str) -> dict[str, str]:
    """The environment of a web, worker or beat process on the test database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


class RedisServer:
    """A private redis-server (append-only file on, as in docker-compose) that can go down."""

    def __init__(self, workdir: Path):
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port(REDIS_PORTS)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with (self.dir / "redis.log").open("a") as out:
            self.proc = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    str(self.dir),
                    "--appendonly",
                    "yes",
                    "--save",
                    "",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for(self._answers, timeout=20, interval=0.1)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Shut it down (SIGTERM: the append-only file is flushed, as on a clean restart)."""
        if self.proc is not None:
            stop(self.proc)
            self.proc = None


def get(url: str, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def start_web(log: Path, port: int, **env: str) -> subprocess.Popen:
    """gunicorn serving the app on 127.0.0.1:<port>, as in production."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "hub.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=app_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: get(f"http://127.0.0.1:{port}/healthz") == 200, timeout=60, interval=0.2)
    except AssertionError:
        stop(proc)
        raise RuntimeError(f"The web did not start:\n{log.read_text()}") from None
    return proc


def start_beat(log: Path, **env: str) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hub",
                "beat",
                "--loglevel=INFO",
                f"--schedule={log.parent / 'beat-schedule'}",
            ],
            cwd=ROOT,
            env=app_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def kill_session(leader: subprocess.Popen) -> None:
    """Stop a process started with start_new_session=True and everything it started."""
    try:
        os.killpg(leader.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        leader.wait(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and session_processes(leader.pid):
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(leader.pid, signal.SIGKILL)
    if leader.poll() is None:
        leader.wait(timeout=10)


def session_processes(sid: int) -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of the live processes in session ``sid``."""
    out = subprocess.run(
        ["ps", "-ww", "-e", "-o", "pid=,ppid=,sid=,stat=,args="],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = []
    for line in out.splitlines():
        parts = line.split(None, 4)
        if len(parts) < 5 or int(parts[2]) != sid or parts[3].startswith("Z"):
            continue
        found.append((int(parts[0]), int(parts[1]), parts[4]))
    return found
