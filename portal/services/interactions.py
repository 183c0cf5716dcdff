"""Recording interactions: the one way rows get into the interaction log."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router, transaction
from django.utils import timezone

from portal.db.bulk import datetime_adapter, insert_returning_pks
from portal.models import Channel, Customer, Interaction, InteractionKind
from portal.signals import interaction_recorded

METADATA_MAX_KEYS = 20

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
