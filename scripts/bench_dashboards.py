"""Benchmarks: how fast the shared KPI dashboard renders with a million deliveries, and how
long a signed webhook takes to become a delivery.

Uses its own Postgres database (BENCH_DATABASE_URL, default .../crossdock_bench), loaded once
with the demo company at BENCH_DELIVERIES deliveries (default 1,000,000). Prints medians.
"""

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
DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def ensure_database() -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def main() -> None:
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    ensure_database()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from hub.models import Delivery, User

    call_command("migrate", verbosity=0)
    have = Delivery.objects.count()
    if have < DELIVERIES * 0.95:
        print(f"Loading the demo company with {DELIVERIES:,} deliveries (once)…", flush=True)
        started = time.perf_counter()
        call_command("seed_demo", "--reset", "--deliveries", str(DELIVERIES), verbosity=0)
        print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)
    print(f"Deliveries: {Delivery.objects.count():,}")
    started = time.perf_counter()
    call_command("rebuild_rollups", verbosity=0)
    print(f"Rebuilding every rollup: {time.perf_counter() - started:.2f} s")

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
        for label, url in (
            ("shared dashboard, this month", "/kpis/"),
            ("shared dashboard, last 90 days", "/kpis/?period=quarter"),
            ("one metric with breakdowns", "/kpis/m/on_time/?period=quarter"),
            ("KPI feed (JSON)", "/api/v1/kpis/?period=month"),
        ):
            times = []
            for n in range(RUNS + 1):
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
                if n:  # the first run warms caches
                    times.append(elapsed)
            times.sort()
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            median = statistics.median(times) * 1000
            print(f"{label:34} median {median:7.1f} ms   p95 {p95 * 1000:7.1f} ms   ({RUNS} runs)")


if __name__ == "__main__":
    main()
