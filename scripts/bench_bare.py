"""The ingest figure's reference: the essential work of accepting a webhook, in a bare Django
view (``bench.py --only bare``).

Served by gunicorn with the same gunicorn.conf.py as Crossdock, against the same Postgres,
under the same wrk load: check the Onfleet signature (HMAC-SHA512 of the body), parse the
JSON, insert the event once per external id (``ON CONFLICT DO NOTHING``) and, when it is new,
an outbox row, in one transaction committed durably. No middleware, no apps, no cache, no
rate limit, no lookups: what Crossdock's webhook path adds to this is its own cost.

    DATABASE_URL=postgres://… BENCH_SECRET=<hex> \\
        gunicorn --pythonpath scripts bench_bare:application
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

import dj_database_url
import django
from django.conf import settings

EVENTS = "bench_bare_event"
OUTBOX = "bench_bare_outbox"

database = dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)
database["CONN_HEALTH_CHECKS"] = True
database["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}  # as Crossdock's
settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare-reference-signs-nothing",  # noqa: S106 - no sessions, no signing
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={"default": database},
    USE_TZ=True,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after settings
from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

SECRET = bytes.fromhex(os.environ["BENCH_SECRET"])

SCHEMA = [
    f"""CREATE TABLE IF NOT EXISTS {EVENTS} (
        id bigserial PRIMARY KEY, source varchar(32) NOT NULL, external_id varchar(255) NOT NULL,
        payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (source, external_id))""",
    f"""CREATE TABLE IF NOT EXISTS {OUTBOX} (
        id bigserial PRIMARY KEY, event_id bigint NOT NULL REFERENCES {EVENTS} (id),
        created_at timestamptz NOT NULL DEFAULT now())""",
]


@csrf_exempt
def hook(request: HttpRequest, token: str) -> HttpResponse:
    body = request.body
    expected = hmac.new(SECRET, body, hashlib.sha512).hexdigest()
    if not hmac.compare_digest(request.headers.get("X-Onfleet-Signature", ""), expected):
        return HttpResponse(status=401)
    try:
        payload = json.loads(body)
        external_id = f"{payload['triggerName']}:{payload['taskId']}:{payload['time']}"
    except (ValueError, KeyError, TypeError):
        return HttpResponse(status=400)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EVENTS} (source, external_id, payload) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (source, external_id) DO NOTHING RETURNING id",
            ["onfleet", external_id, body.decode()],
        )
        row = cursor.fetchone()
        if row is not None:
            cursor.execute(f"INSERT INTO {OUTBOX} (event_id) VALUES (%s)", [row[0]])  # noqa: S608
    return HttpResponse("ok")


urlpatterns = [path("hooks/<str:token>/", hook)]
application = get_wsgi_application()


def reset() -> None:
    """Create the reference's two tables if need be, and empty them."""
    with connection.cursor() as cursor:
        for statement in SCHEMA:
            cursor.execute(statement)
        cursor.execute(f"TRUNCATE {OUTBOX}, {EVENTS}")


def stored(prefix: str) -> int:
    """Events stored whose external id has this run's prefix."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {EVENTS} WHERE external_id LIKE %s",  # noqa: S608
            [f"taskCompleted:{prefix}%"],
        )
        return int(cursor.fetchone()[0])


if __name__ == "__main__":  # bench.py: `reset`, or `stored <run>`
    import sys

    if sys.argv[1:] == ["reset"]:
        reset()
    elif sys.argv[1:2] == ["stored"]:
        print(stored(sys.argv[2]))
