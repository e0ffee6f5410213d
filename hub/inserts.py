"""Write a row once per unique key in one statement, for the writes every event makes.

``InsertOnce(Model, conflict=(…), given=(…))`` is built once per process (a module constant);
calling it with the given fields' values runs ``INSERT … ON CONFLICT (…) DO NOTHING RETURNING
id`` and answers the new row's id, or None when a row with that key is stored already. A
repeat costs no error and needs no savepoint (a savepoint and its release are two more round
trips), and no lookup before the write.

The values are prepared as Django would save them, without a model instance for each row
(about a tenth of a webhook's CPU went into building one): the defaults that never change
once per process and database, the defaults made anew (``uuid4``, ``now``) and the given
values on each call. The statement sends its values apart from its text on Postgres (psycopg's
server-side binding), through Django's cursor wrapper (query logging, Django's errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model

# Field types whose saved value is a given ``str`` itself on every backend Crossdock runs on.
_AS_IS = ("CharField", "TextField")


@dataclass(frozen=True)
class _Statement:
    sql: str
    constants: tuple[Any, ...]  # every parameter; the defaults that never change, prepared
    computed: tuple[tuple[int, Field], ...]  # (position, field) of defaults made per row
    given: tuple[tuple[int, Field], ...]  # (position, field) of the values the caller passes
    as_is: frozenset[str]  # given fields whose ``str`` value Django saves unchanged


class InsertOnce:
    """One model's INSERT … ON CONFLICT DO NOTHING RETURNING its id (see the module)."""

    def __init__(self, model: type[Model], *, conflict: tuple[str, ...], given: tuple[str, ...]):
        self.model, self.conflict, self.given = model, conflict, given
        self._statements: dict[str, _Statement] = {}

    def __call__(
        self,
        values: dict[str, Any],
        *,
        raw: dict[str, Any] | None = None,
        using: str = DEFAULT_DB_ALIAS,
    ) -> Any:
        """Insert the row of ``values`` (by attname: ``rule_id``, not ``rule``) unless its key
        is stored; the new id, or None. ``values`` gains the defaults made for it (what a model
        instance of the row is built from). ``raw``: parameters to send as they are, by
        attname, instead of preparing the value (a JSON text received, for a JSON field)."""
        conn = connections[using]
        statement = self._statement(conn)
        params = list(statement.constants)
        for index, field in statement.computed:
            value = values[field.attname] = field.get_default()
            params[index] = field.get_db_prep_save(value, conn)
        for index, field in statement.given:
            if raw is not None and field.attname in raw:
                params[index] = raw[field.attname]
                continue
            value = values[field.attname]
            if field.attname in statement.as_is and type(value) is str:
                params[index] = value
            else:
                params[index] = field.get_db_prep_save(value, conn)
        with _cursor(conn) as cursor:
            cursor.execute(statement.sql, params)
            row = cursor.fetchone()
        return None if row is None else row[0]

    def _statement(self, conn) -> _Statement:
        if conn.alias in self._statements:
            return self._statements[conn.alias]
        meta = self.model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        unknown = set(self.given) - {f.attname for f in fields}
        if unknown:
            raise ValueError(f"{meta.label} has no field {', '.join(sorted(unknown))}.")
        quote = conn.ops.quote_name
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        by_name = {f.name: f for f in fields}
        key = ", ".join(quote(by_name[name].column) for name in self.conflict)
        # Identifiers only from the model's metadata; every value is a parameter.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        sql += f"ON CONFLICT ({key}) DO NOTHING RETURNING {pk}"
        constants: list[Any] = []
        computed, given = [], []
        for index, field in enumerate(fields):
            if field.attname in self.given:
                given.append((index, field))
                constants.append(None)
            elif callable(field.default) and field.default not in (dict, list):
                computed.append((index, field))  # uuid4, now: a new value each time
                constants.append(None)
            else:  # a constant, or an empty dict or list: the same value for every row
                constants.append(field.get_db_prep_save(field.get_default(), conn))
        as_is = frozenset(f.attname for _, f in given if f.get_internal_type() in _AS_IS)
        statement = _Statement(sql, tuple(constants), tuple(computed), tuple(given), as_is)
        self._statements[conn.alias] = statement
        return statement


def _cursor(conn):
    """On Postgres a cursor that sends the values apart from the statement (as Django's would
    with its server-side binding option on): Django binds values into the SQL text on the
    client by default, quoting each, JSON included. Elsewhere Django's own cursor."""
    if conn.vendor != "postgresql":
        return conn.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    conn.close_if_health_check_failed()
    conn.ensure_connection()
    with conn.wrap_database_errors:
        return conn._prepare_cursor(ServerBindingCursor(conn.connection))
