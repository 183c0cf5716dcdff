"""Bulk SQL helpers: what services use instead of the ORM on their hot bulk paths.

Each helper says which benchmark under ``bench/`` justifies it (see ``bench/README.md`` for
the figures). Every value is a query parameter; only our own table and column names (quoted
by the backend) are put into the statement text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.constants import OnConflict

MAX_STATEMENT_PARAMS = 65535  # PostgreSQL's protocol limit; SQLite reports its own
UNNEST_ROWS = 50_000  # rows per ``INSERT ... SELECT FROM unnest(...)`` on PostgreSQL
IN_CHUNK = 5000  # values per ``IN (...)`` of ``select_in``: below SQLite's variable limit


def _columns(connection: BaseDatabaseWrapper, model: type[models.Model], fields) -> str:
    quote, meta = connection.ops.quote_name, model._meta
    return ", ".join(quote(meta.get_field(name).column) for name in fields)


def _per_statement(connection: BaseDatabaseWrapper, width: int) -> int:
    limit = min(connection.features.max_query_params or MAX_STATEMENT_PARAMS, MAX_STATEMENT_PARAMS)
    return max(1, limit // width)


def datetime_adapter(connection: BaseDatabaseWrapper) -> Callable[[datetime], Any]:
    """``connection.ops.adapt_datetimefield_value``, with a fast path for aware datetimes on
    SQLite (the same conversion: to the connection's time zone, naive, ``str``).

    Benchmark: ``bench/import_purchases.py`` (two datetimes per purchase row, a million rows:
    Django's adapter re-checks settings and time zones for every value)."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or not settings.USE_TZ:
        return adapt
    tz = connection.timezone

    def adapt_sqlite(value: datetime) -> Any:
        if value is None or value.utcoffset() is None:
            return adapt(value)
        return str(value.astimezone(tz).replace(tzinfo=None))

    return adapt_sqlite


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """INSERT rows of database-adapted values (see ``insert_returning_pks``) with
    ``executemany``; ``ignore_conflicts`` skips rows that violate a unique constraint.

    Benchmark: ``bench/import_purchases.py`` (the customers an import creates: the ORM's
    ``bulk_create`` builds and compiles a model instance per row)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    ops = connection.ops
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = (
        f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(model._meta.db_table)} "
        f"({_columns(connection, model, fields)}) VALUES ({', '.join(['%s'] * len(fields))}) "
        f"{ops.on_conflict_suffix_sql([], on_conflict, [], []) or ''}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql.strip(), rows)


def unnest_select(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> tuple[str, list[Any]]:
    """``SELECT ... FROM unnest(...)`` yielding ``rows`` (database-adapted values, in
    ``fields`` order) on PostgreSQL, for ``INSERT INTO ... SELECT``: one array parameter per
    column that varies and one plain parameter for a column with the same value in every
    row (a notice's title and body, a timestamp), so a statement has a dozen parameters
    whatever the row count and constants are sent once, not once per row. (psycopg's
    client-side handling of a statement with tens of thousands of placeholders, or of arrays
    of thousands of long strings, costs more than the insert itself.) ``unnest`` yields the
    rows in array order.

    Benchmark: ``bench/outage_fanout.py`` (fan-out 4.5 s -> 2.8 s profiled at 10,000
    customers, "Bulk inserts" in bench/README.md)."""
    meta = model._meta
    columns = list(zip(*rows, strict=True))
    varying = [
        index
        for index, values in enumerate(columns)
        if any(value is not values[0] and value != values[0] for value in values)
    ] or [0]  # all constant: one array still gives the number of rows
    selected, scalars, arrays, names = [], [], [], []
    for index, name in enumerate(fields):
        db_type = meta.get_field(name).db_type(connection)
        if index in varying:
            names.append(f"c{index}")
            selected.append(f"u.c{index}")
            arrays.append((f"%s::{db_type}[]", list(columns[index])))
        else:
            selected.append(f"%s::{db_type}")
            scalars.append(columns[index][0])
    unnested = ", ".join(placeholder for placeholder, _values in arrays)
    # Only column types and placeholders go into the text; every value is a parameter.
    sql = f"SELECT {', '.join(selected)} FROM unnest({unnested}) AS u({', '.join(names)})"  # noqa: S608
    return sql, [*scalars, *(values for _placeholder, values in arrays)]


def insert_returning_pks(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """INSERT rows of values already adapted for the database (``connection.ops.adapt_*``),
    one tuple per row in ``fields`` order, and return the new primary keys in row order.

    This is the hot path of bulk imports: it skips the ORM's per-value compilation (model
    instances, ``get_db_prep_save``), which costs ~10x more than the database itself. Like
    ``bulk_create`` it relies on ``INSERT ... RETURNING`` returning rows in input order:
    ``unnest()`` of one array per column on PostgreSQL, multi-row VALUES on SQLite (>= 3.35)
    outside a transaction; other backends insert row by row.

    Benchmarks: ``bench/import_purchases.py`` (purchases and their interactions, a million
    rows under a minute on SQLite: 131 s -> 57 s) and ``bench/outage_fanout.py`` (the
    fan-out's interactions on PostgreSQL, through ``unnest_select``)."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    columns = _columns(connection, model, fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pks: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and connection.in_atomic_block:
            # One prepared statement run per row is ~1.5x faster on SQLite than multi-row
            # VALUES. Inside a transaction SQLite holds the write lock (transactions begin
            # IMMEDIATE, see settings), so the AUTOINCREMENT keys of these rows are
            # consecutive and end at last_insert_rowid().
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {placeholders}", rows)  # noqa: S608
            cursor.execute("SELECT last_insert_rowid()")
            (last,) = cursor.fetchone()
            return list(range(last - len(rows) + 1, last + 1))
        if connection.vendor == "postgresql":
            # ``unnest`` yields the rows in array order: RETURNING gives keys in row order.
            for start in range(0, len(rows), UNNEST_ROWS):
                select, params = unnest_select(
                    connection, model, fields, rows[start : start + UNNEST_ROWS]
                )
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) {select} RETURNING {quote(meta.pk.column)}",
                    params,
                )
                pks.extend(pk for (pk,) in cursor.fetchall())
            return pks
        if not connection.features.can_return_rows_from_bulk_insert:
            sql = f"INSERT INTO {table} ({columns}) VALUES {placeholders}"  # noqa: S608
            for row in rows:
                cursor.execute(sql, row)
                pks.append(cursor.lastrowid)
            return pks
        per_statement = _per_statement(connection, len(fields))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([placeholders] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
                f"RETURNING {quote(meta.pk.column)}",
                [value for row in chunk for value in row],
            )
            pks.extend(pk for (pk,) in cursor.fetchall())
    return pks


def insert_new(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str],
) -> list[tuple]:
    """INSERT rows (values already adapted for the database), skipping any that violate a
    unique constraint, and return ``returning`` columns of the rows actually inserted: so a
    retry, a second worker or a re-run learn exactly what is theirs to send.

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on PostgreSQL (rows from
    ``unnest_select``: a dozen parameters whatever the row count); ``INSERT OR IGNORE ...
    RETURNING`` on SQLite (>= 3.35): both return only the inserted rows.

    Benchmark: ``bench/outage_fanout.py`` (notifications and deliveries of a notice to
    100,000 customers; "Bulk inserts" in bench/README.md)."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    ops, meta = connection.ops, model._meta
    if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover
        raise NotImplementedError("insert_new needs INSERT ... RETURNING (PostgreSQL, SQLite)")
    columns = _columns(connection, model, fields)
    back = _columns(connection, model, returning)
    insert = ops.insert_statement(on_conflict=OnConflict.IGNORE)
    suffix = ops.on_conflict_suffix_sql([], OnConflict.IGNORE, [], []) or ""
    table = ops.quote_name(meta.db_table)
    result: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            select, params = unnest_select(connection, model, fields, rows)
            cursor.execute(
                f"{insert} {table} ({columns}) {select} {suffix} RETURNING {back}",
                params,
            )
            return [tuple(row) for row in cursor.fetchall()]
        placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
        per_statement = _per_statement(connection, len(fields))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                f"{insert} {table} ({columns}) "
                f"VALUES {', '.join([placeholder] * len(chunk))} {suffix} RETURNING {back}",
                [value for row in chunk for value in row],
            )
            result.extend(tuple(row) for row in cursor.fetchall())
    return result


def _chunks[T](items: Sequence[T]) -> Iterator[Sequence[T]]:
    size = IN_CHUNK
    for start in range(0, len(items), size):
        yield items[start : start + size]


def select_in(
    model: type[models.Model], select: str, key: str, values: Sequence[Any], **equal: Any
) -> list[tuple[Any, ...]]:
    """``model.objects.filter(<key>__in=values, **equal).values_list(select, key)`` in raw
    SQL, chunked (``IN_CHUNK`` values per statement).

    Benchmark: ``bench/import_purchases.py`` (customers and order references looked up per
    batch of 20,000 rows: the ORM spends ~1 µs per value building an ``IN`` lookup)."""
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    column = quote(meta.get_field(key).column)
    conditions = [f"{quote(meta.get_field(name).column)} = %s" for name in equal]
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(values):
            where = " AND ".join([*conditions, f"{column} IN ({', '.join(['%s'] * len(chunk))})"])
            cursor.execute(
                f"SELECT {quote(meta.get_field(select).column)}, {column} "  # noqa: S608
                f"FROM {quote(meta.db_table)} WHERE {where}",
                [*equal.values(), *chunk],
            )
            found.extend(cursor.fetchall())
    return found


def insert_from_select(
    model: type[models.Model],
    fields: Sequence[str],
    select: models.QuerySet | tuple[str, Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
    unique_fields: Sequence[str] = (),
    update_fields: Sequence[str] = (),
) -> int:
    """``INSERT INTO <model> (<fields>) SELECT ...``: rows computed by the database go
    straight into ``model``'s table, never through Python. ``select`` is a queryset whose
    selected columns (``values_list``/``values``) are ``fields`` in order, or ``(sql,
    params)`` for a statement the ORM cannot write (a join on an aggregate, a window).

    Conflicts on a unique constraint: ``ignore_conflicts`` skips those rows;
    ``unique_fields`` + ``update_fields`` update the existing row's ``update_fields`` with
    the new values instead (``ON CONFLICT (...) DO UPDATE``, PostgreSQL and SQLite). Returns
    the number of rows written (as the backend counts them; 0 if it cannot tell).

    Benchmarks: ``bench/outage_fanout.py`` (freezing the audience of an incident: 100,000
    customers in 1.25 s, one statement) and ``bench/metrics.py`` (``insights_rollup`` over
    two years of 10M interactions: previous-day counts, last activity and forum threads
    written by the database; fetching them into Python first would move millions of rows)."""
    if update_fields and not unique_fields:
        raise ValueError("update_fields needs unique_fields (the conflict target)")
    if ignore_conflicts and update_fields:
        raise ValueError("ignore_conflicts and update_fields exclude each other")
    if isinstance(select, models.QuerySet):
        sql, params = select.query.sql_with_params()
    else:
        sql, params = select
    connection = connections[router.db_for_write(model)]
    ops, meta = connection.ops, model._meta
    on_conflict = (
        OnConflict.UPDATE if update_fields else OnConflict.IGNORE if ignore_conflicts else None
    )
    suffix = ops.on_conflict_suffix_sql(
        [meta.get_field(name) for name in fields],
        on_conflict,
        [meta.get_field(name).column for name in update_fields],
        [meta.get_field(name).column for name in unique_fields],
    )
    if suffix:
        # SQLite cannot tell the ON of ON CONFLICT from a join's ON after a bare SELECT: a
        # WHERE clause before it resolves that ("the parsing ambiguity", SQLite's upsert docs).
        sql = f"SELECT * FROM ({sql}) AS selected WHERE true"  # noqa: S608
    statement = (
        f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(meta.db_table)} "
        f"({_columns(connection, model, fields)}) {sql} {suffix or ''}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement.strip(), list(params))
        return max(cursor.rowcount, 0)
