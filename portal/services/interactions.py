"""Recording interactions: the one way rows get into the interaction log."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.constants import OnConflict
from django.utils import timezone

from portal.models import Channel, Customer, Interaction, InteractionKind
from portal.signals import interaction_recorded

METADATA_MAX_KEYS = 20
_MAX_STATEMENT_PARAMS = 65535  # PostgreSQL's protocol limit; SQLite reports its own
UNNEST_ROWS = 50_000  # rows per ``INSERT ... SELECT FROM unnest(...)`` on PostgreSQL

#: One row for ``interaction_record_bulk``: (customer_id, target_id, value, metadata, occurred_at).
BulkInteraction = tuple[int | None, str, Decimal | None, dict[str, Any], datetime]


def visitor_hash(session_key: str) -> str:
    """A stable, non-reversible id for an anonymous visitor's session."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{session_key}".encode()).hexdigest()
    return digest[:32]


def _clean_metadata(metadata: dict[str, Any] | None) -> dict[str, Any]:
    if not metadata:
        return {}
    if not isinstance(metadata, dict):
        raise ValueError("metadata must be an object")
    if len(metadata) > METADATA_MAX_KEYS:
        raise ValueError(f"metadata may have at most {METADATA_MAX_KEYS} keys")
    return metadata


def _send_after_commit(interactions: list[Interaction]) -> None:
    def send() -> None:
        for interaction in interactions:
            interaction_recorded.send(sender=Interaction, interaction=interaction)

    transaction.on_commit(send)


@transaction.atomic
def interaction_record(
    *,
    kind: InteractionKind | str,
    channel: Channel | str = Channel.WEB,
    customer: Customer | None = None,
    user=None,
    session_key: str | None = None,
    target: models.Model | None = None,
    value: Decimal | float | int | None = None,
    metadata: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> Interaction:
    """Append one interaction inside the caller's transaction.

    ``customer`` defaults to the acting user's customer record; an anonymous visitor is
    identified by a hash of ``session_key``. ``interaction_recorded`` is sent after commit.
    """
    if kind not in InteractionKind.values:
        raise ValueError(f"unknown interaction kind {kind!r}")
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if occurred_at is not None and timezone.is_naive(occurred_at):
        raise ValueError("occurred_at must be timezone-aware")
    if customer is None and user is not None and user.is_authenticated:
        customer = getattr(user, "customer", None)
    interaction = Interaction(
        kind=kind,
        channel=channel,
        customer=customer,
        user=user if user is not None and user.is_authenticated else None,
        visitor=visitor_hash(session_key) if session_key and customer is None else "",
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        value=Decimal(str(value)) if value is not None else None,
        metadata=_clean_metadata(metadata),
        occurred_at=occurred_at or timezone.now(),
    )
    interaction.save(force_insert=True)
    _send_after_commit([interaction])
    return interaction


@transaction.atomic
def interaction_record_many(interactions: Iterable[Interaction], *, batch_size: int = 2000) -> int:
    """Bulk-append prepared (unsaved) interactions, e.g. from an import. Returns the count."""
    rows = list(interactions)
    for row in rows:
        if row.pk is not None:
            raise ValueError("interactions are append-only")
    created = Interaction.objects.bulk_create(rows, batch_size=batch_size)
    _send_after_commit(created)
    return len(created)


def datetime_adapter(connection: BaseDatabaseWrapper) -> Callable[[datetime], Any]:
    """``connection.ops.adapt_datetimefield_value``, with a fast path for aware datetimes on
    SQLite (the same conversion: to the connection's time zone, naive, ``str``)."""
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
    ``executemany``; ``ignore_conflicts`` skips rows that violate a unique constraint."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    ops = connection.ops
    meta = model._meta
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    columns = ", ".join(ops.quote_name(meta.get_field(name).column) for name in fields)
    sql = (
        f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(meta.db_table)} "
        f"({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
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
    rows in array order."""
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
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
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
        limit = min(
            connection.features.max_query_params or _MAX_STATEMENT_PARAMS, _MAX_STATEMENT_PARAMS
        )
        per_statement = max(1, limit // len(fields))
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


@transaction.atomic
def interaction_record_bulk(
    *,
    kind: InteractionKind | str,
    channel: Channel | str,
    target_type: ContentType | None,
    rows: Sequence[BulkInteraction],
) -> list[int]:
    """Append many interactions of one kind and channel (an import) and return their ids.

    Each row is ``(customer_id, target_id, value, metadata, occurred_at)``; pass the same
    metadata dict for rows that share it (it is serialised once). Same rules as
    ``interaction_record``: kind and channel validated, aware datetimes only, and
    ``interaction_recorded`` sent after commit for each saved row (model instances are
    only built when someone listens).
    """
    if kind not in InteractionKind.values:
        raise ValueError(f"unknown interaction kind {kind!r}")
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if not rows:
        return []
    alias = router.db_for_write(Interaction)
    ops = connections[alias].ops
    adapt_time = datetime_adapter(connections[alias])
    adapt_value = ops.adapt_decimalfield_value
    value_field = Interaction._meta.get_field("value")
    json_encoder = Interaction._meta.get_field("metadata").encoder
    digits, places = value_field.max_digits, value_field.decimal_places
    target_type_id = target_type.pk if target_type is not None else None
    metadata_cache: dict[int, Any] = {}  # id(dict) -> adapted; the dicts live in ``rows``
    values = []
    for customer_id, target_id, value, metadata, occurred_at in rows:
        if occurred_at.utcoffset() is None:
            raise ValueError("occurred_at must be timezone-aware")
        adapted_metadata = metadata_cache.get(id(metadata))
        if adapted_metadata is None:
            adapted_metadata = ops.adapt_json_value(_clean_metadata(metadata), json_encoder)
            metadata_cache[id(metadata)] = adapted_metadata
        values.append(
            (
                kind,
                channel,
                customer_id,
                None,
                "",
                target_type_id,
                target_id,
                adapt_value(value, digits, places) if value is not None else None,
                adapted_metadata,
                adapt_time(occurred_at),
            )
        )
    pks = insert_returning_pks(
        Interaction,
        [
            "kind",
            "channel",
            "customer",
            "user",
            "visitor",
            "target_type",
            "target_id",
            "value",
            "metadata",
            "occurred_at",
        ],
        values,
    )
    if interaction_recorded.has_listeners(Interaction):
        saved = []
        for pk, (customer_id, target_id, value, metadata, occurred_at) in zip(
            pks, rows, strict=True
        ):
            interaction = Interaction(
                pk=pk,
                kind=kind,
                channel=channel,
                customer_id=customer_id,
                target_type_id=target_type_id,
                target_id=target_id,
                value=value,
                metadata=dict(metadata),
                occurred_at=occurred_at,
            )
            interaction._state.adding = False
            interaction._state.db = alias
            saved.append(interaction)
        _send_after_commit(saved)
    return pks
