"""Sampling profiles of the benchmark's stack while a run goes on (``bench.py --profile``).

Each run's gunicorn and Celery masters are sampled with their children by py-spy (a dev
dependency; it reads the processes' memory, so it needs ptrace rights: root, or
``kernel.yama.ptrace_scope=0``). Only samples taken while a thread holds the GIL count
(``--gil``): Python's own CPU, not its waits on Postgres, Redis or a socket. ``--nonblocking``
keeps the processes running while they are read, so the figures of the run stay its own
(py-spy's reading takes CPU too: compare runs with and without ``--profile`` before comparing
rates).

For every run and role the raw stacks are kept (``var/bench/profile-<run>-<role>.txt``, the
collapsed format flame-graph tools read) and summed up in two tables: our functions, by the
share of samples they were on the stack for; and where the samples ended, by the library that
was running (the ORM building SQL, the database driver, the templates…).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

OURS = ("hub/", "handoffs/", "kpis/", "feedback/", "standups/", "wiki/", "workflows/")
# Where a sample ended, by the file of its innermost frame (first match wins).
KINDS = [
    ("django/db/models/sql/", "Django ORM: building SQL"),
    ("django/db/models/", "Django ORM: querysets, models, rows"),
    ("django/db/backends/", "Django database layer"),
    ("psycopg/", "psycopg (the database driver)"),
    ("django/template/", "Django templates"),
    ("django/core/cache/", "Django cache (values read back from Redis)"),
    ("django/urls/", "Django URL resolving and reversing"),
    ("django/utils/", "Django utilities (lazy objects, translation, escaping, dates)"),
    ("asgiref/", "asgiref (Django's thread-locals)"),
    ("django/", "Django (other)"),
    ("requests/", "HTTP client (requests, urllib3, http)"),
    ("urllib3/", "HTTP client (requests, urllib3, http)"),
    ("http/", "HTTP client (requests, urllib3, http)"),
    ("redis/", "Redis client"),
    ("celery/", "Celery, kombu, billiard"),
    ("kombu/", "Celery, kombu, billiard"),
    ("billiard/", "Celery, kombu, billiard"),
    ("gunicorn/", "gunicorn"),
    ("json/", "json"),
    ("plotly/", "plotly"),
    ("allauth/", "django-allauth"),
]


def _file(frame: str) -> str:
    """``func (path/to/file.py:12)`` → ``path/to/file.py``."""
    inner = frame.rsplit(" (", 1)[-1].rstrip(")")
    return inner.rsplit(":", 1)[0]


def _function(frame: str) -> str:
    name, _, where = frame.rpartition(" (")
    return f"{name} ({where.rstrip(')').rsplit(':', 1)[0]})"


def summarize(raw: Path, top: int = 15) -> str:
    """The two tables of one raw profile, as text."""
    ours: Counter[str] = Counter()
    ended: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += n
        for name in {_function(f) for f in frames if _file(f).startswith(OURS)}:
            ours[name] += n
        leaf = _file(frames[-1])
        kind = "our code" if leaf.startswith(OURS) else "other (Python's library, …)"
        for prefix, label in KINDS:
            if leaf.startswith(prefix):
                kind = label
                break
        ended[kind] += n
    if not total:
        return "  (no samples)"
    lines = [f"  {total:,} samples with the GIL held"]
    lines.append("  our functions, share of samples on the stack:")
    lines += [f"    {100 * n / total:5.1f}%  {name}" for name, n in ours.most_common(top)]
    lines.append("  where the samples ended:")
    lines += [f"    {100 * n / total:5.1f}%  {kind}" for kind, n in ended.most_common()]
    return "\n".join(lines)


class Profiles:
    """``with profiles.during("alerts", {"worker": pid, …}):`` samples those processes (and
    their children) for the block; a no-op unless enabled."""

    def __init__(self, out: Path, *, enabled: bool) -> None:
        self.out = out
        self.enabled = enabled
        beside = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "py-spy"
        self.tool = str(beside) if beside.exists() else shutil.which("py-spy") or str(beside)

    @contextmanager
    def during(self, run: str, masters: dict[str, int]) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        if not Path(self.tool).exists():
            print("  (no profile: py-spy is not installed; `make install` adds it)", flush=True)
            yield
            return
        samplers: dict[str, tuple[subprocess.Popen, Path, IO[str]]] = {}
        for role, pid in masters.items():
            raw = self.out / f"profile-{run}-{role}.txt"
            raw.unlink(missing_ok=True)
            command = [self.tool, "record", "--pid", str(pid), "--subprocesses", "--gil"]
            command += ["--nonblocking", "--rate", "100", "--format", "raw", "--output", str(raw)]
            log = open(self.out / f"profile-{run}-{role}.log", "w")  # noqa: SIM115 - closed below
            sampler = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
            samplers[role] = (sampler, raw, log)
        try:
            yield
        finally:
            for role, (proc, raw, log) in samplers.items():
                proc.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                log.close()
                print(f"Profile of {run}, {role} (py-spy; raw stacks in {raw}):")
                if raw.exists():
                    print(summarize(raw), flush=True)
                else:
                    print(f"  (py-spy wrote nothing; see {raw.with_suffix('.log')})", flush=True)
