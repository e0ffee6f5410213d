"""One number that changes whenever configuration changes: what event processing may keep.

A worker's event drains read the same configuration again and again (the enabled rules with
their teams and channels, a team's members, its inbox and alert settings, the zones). The
database counts every write to the tables they come from (``watch`` installs a statement
trigger on each, from its app's migration), so a worker keeps what it read across drains for as
long as ``generation()`` stands still, and reads again after any change, however it was made
(a form, the API, a bulk update, a shell). Postgres only; elsewhere ``generation()`` is None
and every drain reads afresh.

The counter is one row, updated in the writer's transaction: a drain that sees the new number
sees the change with it. Writers of watched tables queue on that row until they commit, which
configuration writes, rare and short, can afford.
"""

from __future__ import annotations

from django.db import connection, migrations

TABLE = "hub_configgeneration"
FUNCTION = "crossdock_configuration_changed"

_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} (id, value) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET value = {TABLE}.value + 1;
    RETURN NULL;
END
$$
"""  # noqa: S608 - identifiers are constants of this module


def generation() -> int | None:
    """The configuration's current number, or None where it is not kept (not Postgres, or
    the counter's row is gone: a test database just flushed)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _run_on_postgres(sql: list[str]):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in sql:
            schema_editor.execute(statement)

    return run


def install_counter() -> migrations.RunPython:
    """The migration operation that creates the trigger function (hub's migration)."""
    return migrations.RunPython(
        _run_on_postgres([_FUNCTION_SQL]),
        _run_on_postgres([f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE"]),
    )


def watch(*tables: str, columns: dict[str, list[str]] | None = None) -> migrations.RunPython:
    """The migration operation that has every write to ``tables`` change the number (each
    app's migration names its own configuration tables). ``columns`` narrows a table's
    updates to those of the columns named: an update of others only (a channel's pacing
    stamp, a sign-in's ``last_login``) is no change of configuration."""
    create, drop = [], []
    for table in tables:
        quoted = f'"{table}"'
        events = "INSERT OR UPDATE OR DELETE OR TRUNCATE"
        triggers = []
        if columns and table in columns:
            listed = ", ".join(f'"{column}"' for column in columns[table])
            events = "INSERT OR DELETE OR TRUNCATE"
            triggers.append((f'"{table}_config_updated"', f"UPDATE OF {listed}"))
        triggers.append((f'"{table}_config_changed"', events))
        for name, what in triggers:
            drop.append(f"DROP TRIGGER IF EXISTS {name} ON {quoted}")
            create.append(drop[-1])
            create.append(
                f"CREATE TRIGGER {name} AFTER {what} ON {quoted} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    return migrations.RunPython(_run_on_postgres(create), _run_on_postgres(drop))
