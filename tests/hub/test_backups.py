"""Backups: the README's pg_dump and pg_restore commands, run for real on a round trip.

Data made through the services is dumped in custom format, restored into a new database and
compared table by table (row counts, and the contents of the key tables); a restore with
``--clean --if-exists`` over a damaged copy brings it back too.
"""

import subprocess
import uuid

import psycopg
import pytest
from django.apps import apps
from django.db import connection

from handoffs import services
from handoffs.inbound import imports
from hub import events
from hub.models import Customer, Delivery, Event, Team, User, Zone

pytestmark = pytest.mark.django_db(transaction=True)

KEY_MODELS = ["hub.Team", "hub.User", "hub.Customer", "hub.Delivery", "hub.Event"]
KEY_MODELS += ["handoffs.Handoff", "handoffs.Alert", "handoffs.ImportJob"]

CSV = """Task ID,Recipient Name,Recipient Phone,Team,Complete After,Complete Before,Success
tsk_1,Ana Torres,+1 415 555 0101,downtown,2026-11-02 10:00,2026-11-02 12:00,true
tsk_2,Ben Li,+1 415 555 0102,downtown,2026-11-02 10:00,2026-11-02 12:00,false
"""


def url(name: str) -> str:
    s = connection.settings_dict
    return f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{' '.join(command[:2])}: {done.stderr}"


def tables() -> list[str]:
    return sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed})


def snapshot(database_url: str) -> dict[str, tuple[int, str]]:
    """Each table's row count, and for the key tables a digest of every row."""
    key = {apps.get_model(m)._meta.db_table for m in KEY_MODELS}
    with psycopg.connect(database_url) as db:
        result = {}
        for table in tables():
            count = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            digest = ""
            if table in key:
                digest = db.execute(
                    f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"  # noqa: S608
                    f' FROM "{table}" t'
                ).fetchone()[0]
            result[table] = (count, digest)
        return result


@pytest.fixture
def company(admin_user, ops, member):
    Zone.objects.create(code="downtown", name="Downtown")
    imports.run("onfleet_tasks", CSV)
    recorded = events.record("generic", "generic.signup", "s1", {"email": "ana@example.com"})
    events.process(recorded.event.pk)
    services.handoff_create(team=ops, title="Riverside van short on Saturday", created_by=member)
    services.notify(to=ops, title="Standup moved to 9:30", body="Same room.")
    return ops


def test_pg_dump_and_pg_restore_round_trip_every_table(company, tmp_path):
    assert Delivery.objects.count() == 2 and Customer.objects.count() == 2
    assert Event.objects.exists() and Team.objects.exists() and User.objects.exists()
    source = url(connection.settings_dict["NAME"])
    original = snapshot(source)
    assert original["handoffs_handoff"][0] == 1 and original["handoffs_alert"][0] >= 1

    dump = tmp_path / "crossdock.dump"
    run("pg_dump", "-Fc", "--no-owner", "-d", source, "-f", str(dump))
    restored_name = f"crossdock_restore_{uuid.uuid4().hex[:8]}"
    run("createdb", "-h", connection.settings_dict["HOST"] or "127.0.0.1",
        "-U", connection.settings_dict["USER"], restored_name)  # fmt: skip
    restored = url(restored_name)
    try:
        run("pg_restore", "--no-owner", "-d", restored, str(dump))
        assert snapshot(restored) == original

        # Damage the copy, then restore over it: everything comes back.
        with psycopg.connect(restored, autocommit=True) as db:
            # (the team inbox alert is sent with its handoff, so it has an attempt)
            db.execute("DELETE FROM handoffs_alertattempt")
            db.execute("DELETE FROM handoffs_alert")
            db.execute("DROP TABLE hub_delivery CASCADE")
            damaged = db.execute(
                "SELECT to_regclass('hub_delivery'), (SELECT count(*) FROM handoffs_alert)"
            ).fetchone()
        assert damaged == (None, 0)
        run("pg_restore", "--clean", "--if-exists", "--no-owner", "-d", restored, str(dump))
        assert snapshot(restored) == original
    finally:
        with psycopg.connect(url("postgres"), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
    with psycopg.connect(url("postgres")) as db:
        gone = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [restored_name])
        assert gone.fetchone() is None
