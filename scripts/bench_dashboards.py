"""Benchmarks: how fast the shared KPI dashboards render with a big demo company.

    .venv/bin/python scripts/bench_dashboards.py --deliveries 1000000 --target-ms 150

Uses its own Postgres database (BENCH_DATABASE_URL, default .../crossdock_bench; `make bench`
passes ``<BENCH_DATABASE_URL>_1m`` and ``_10m``), seeded once with the demo company at
--deliveries and reused by later runs. A database holding another size (or a half-finished
load) is dropped and created again: that is far faster than deleting millions of rows. When it
seeds, it prints the seed's wall time next to the 10-minute target for 10M deliveries.

With --results FILE it also writes the figures as JSON for scripts/bench.py's report.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-for-measuring-nothing-else-at-all")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crossdock_bench"
)
os.environ["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
# The target: `seed_demo --deliveries 10000000` within 10 minutes.
SEED_TARGET_S = 600
SEED_TARGET_DELIVERIES = 10_000_000
PAGES = (
    ("shared dashboard, this month", "/kpis/"),
    ("shared dashboard, last 90 days", "/kpis/?period=quarter"),
    ("one metric with breakdowns", "/kpis/m/on_time/?period=quarter"),
    ("KPI feed (JSON)", "/api/v1/kpis/?period=month"),
)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def server_connection():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def create_database(*, drop: bool) -> None:
    from django.conf import settings
    from django.db import connections

    name = settings.DATABASES["default"]["NAME"]
    connections.close_all()
    with server_connection() as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def demo_deliveries() -> int:
    """Deliveries of a completely loaded demo company, 0 if there is none (or half of one)."""
    from django.db import connection

    from hub import demo
    from hub.models import Delivery

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('hub_delivery') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return 0
    if not demo.demo_loaded():
        return 0
    # The KPI rollups are the loader's last step: without them the load did not finish.
    from kpis.models import DailyRollup

    if not DailyRollup.objects.exists():
        return 0
    return Delivery.objects.filter(dispatch_id__startswith=demo.DEMO_PREFIX).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--deliveries", type=int, default=int(os.environ.get("BENCH_DELIVERIES", "1000000"))
    )
    parser.add_argument("--target-ms", type=float, default=150.0, help="p95 target per page")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "40")))
    parser.add_argument("--results", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from hub.models import User

    results: dict = {"deliveries": args.deliveries, "seed_s": None, "pages": []}
    create_database(drop=False)
    have = demo_deliveries()
    if have != args.deliveries:
        print(
            f"Loading the demo company with {args.deliveries:,} deliveries into "
            f"{settings.DATABASES['default']['NAME']} (once; found {have:,})… ({load_average()})",
            flush=True,
        )
        create_database(drop=True)
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        started = time.perf_counter()
        cpu = time.process_time()
        call_command("seed_demo", "--deliveries", str(args.deliveries), verbosity=0)
        seconds = time.perf_counter() - started
        results["seed_s"] = seconds
        results["seed_cpu_s"] = time.process_time() - cpu
        target = ""
        if args.deliveries >= SEED_TARGET_DELIVERIES:
            verdict = "met" if seconds <= SEED_TARGET_S else "MISSED"
            target = f"   target ≤ {SEED_TARGET_S} s for 10M: {verdict}"
        print(
            f"  seed_demo --deliveries {args.deliveries}: {seconds:.0f} s wall, "
            f"{results['seed_cpu_s']:.0f} s CPU in this process{target}   ({load_average()})",
            flush=True,
        )
    else:
        call_command("migrate", verbosity=0)
        print(f"Reusing the demo company with {have:,} deliveries.", flush=True)
    started = time.perf_counter()
    call_command("rebuild_rollups", verbosity=0)
    print(f"  rebuilding every rollup: {time.perf_counter() - started:.2f} s", flush=True)

    with override_settings(
        SECURE_SSL_REDIRECT=False,
        ALLOWED_HOSTS=["*"],
        DEBUG=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        client = Client()
        client.force_login(User.objects.get(email="elena@swiftdrop.example"))
        for label, url in PAGES:
            times = []
            for n in range(args.runs + 1):
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
                if n:  # the first run fills the KPI cache: reported apart, as "cold"
                    times.append(elapsed)
                else:
                    cold = elapsed * 1000
            times.sort()
            p95 = times[math.ceil(len(times) * 0.95) - 1] * 1000  # nearest rank
            median = statistics.median(times) * 1000
            verdict = "met" if p95 <= args.target_ms else "MISSED"
            print(
                f"  {label:34} median {median:7.1f} ms   p95 {p95:7.1f} ms   "
                f"target ≤ {args.target_ms:.0f} ms: {verdict}   ({args.runs} runs; first view, "
                f"cache cold: {cold:.0f} ms; {load_average()})",
                flush=True,
            )
            results["pages"].append(
                {"label": label, "median_ms": median, "p95_ms": p95, "cold_ms": cold}
            )
    if args.results:
        args.results.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
