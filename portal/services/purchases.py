"""Purchases: validating rows from any source and importing them idempotently.

The CSV command, the API and the demo seeder all go through ``purchases_import``.
Idempotency comes from the unique ``(source, order_ref)``; rows without an order
reference get a deterministic one derived from their content (and how many identical
rows came before in the same input), so re-importing the same file adds nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from portal.db.bulk import datetime_adapter, insert_returning_pks, insert_rows, select_in
from portal.models import Channel, Customer, InteractionKind, Product, Purchase
from portal.services.interactions import interaction_record_bulk

MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")
_VALID_CURRENCIES: set[str] = set()  # codes seen valid (an import repeats a handful)
REQUIRED_COLUMNS = ("customer_ref", "ordered_at", "amount")
OPTIONAL_COLUMNS = ("order_ref", "currency", "product")


class RowError(ValueError):
    """A row that cannot be imported; the message says why, for a person to fix it."""


class PurchaseRow(NamedTuple):
    """One validated row (immutable; a named tuple because an import builds millions)."""

    customer_ref: str
    ordered_at: datetime
    amount: Decimal
    currency: str
    product_id: int | None
    order_ref: str


@dataclass
class ImportResult:
    created: int = 0
    duplicates: int = 0
    customers_created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "duplicates": self.duplicates,
            "customers_created": self.customers_created,
            "invalid": len(self.errors),
        }


class ProductLookup:
    """Resolves the optional ``product`` column by slug or (case-insensitive) name."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        for pk, slug, name in Product.objects.values_list("pk", "slug", "name"):
            self._ids[slug.lower()] = pk
            self._ids.setdefault(name.strip().lower(), pk)

    def resolve(self, value: str) -> int | None:
        value = value.strip()
        if not value:
            return None
        try:
            return self._ids[value.lower()]
        except KeyError:
            raise RowError(f"unknown product {value!r}") from None


def _parse_ordered_at_slow(value: str) -> datetime | None:
    """Django's parsers (regex fallbacks) for what ``datetime.fromisoformat`` rejects."""
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            parsed = datetime.combine(day, time.min) if day else None
    except ValueError:
        parsed = None
    return parsed


def parse_ordered_at(value: str) -> datetime:
    value = (value or "").strip()
    if not value:
        raise RowError("ordered_at is empty")
    try:  # the common case, and what parse_datetime tries first
        parsed: datetime | None = datetime.fromisoformat(value)
    except ValueError:
        parsed = _parse_ordered_at_slow(value)
    if parsed is None:
        raise RowError(f"ordered_at {value!r} is not an ISO date or date-time")
    if parsed.utcoffset() is None:
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def parse_amount(value: str) -> Decimal:
    raw = (value or "").strip()
    if not raw:
        raise RowError("amount is empty")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise RowError(f"amount {raw!r} is not a number") from None
    if not amount.is_finite():
        raise RowError(f"amount {raw!r} is not a finite number")
    if abs(amount) > MAX_AMOUNT:
        raise RowError(f"amount {raw!r} is too large")
    quantized = amount.quantize(CENT)
    if quantized != amount:
        raise RowError(f"amount {raw!r} has more than two decimals")
    return quantized


def _currency_check(currency: str) -> str:
    if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
        raise RowError(f"currency {currency!r} is not a three-letter ISO code")
    return currency


def purchase_row_parse(raw: Mapping[str, str | None], *, products: ProductLookup) -> PurchaseRow:
    """Validate one input row (CSV or API) into a ``PurchaseRow`` or raise ``RowError``."""
    get = raw.get
    customer_ref = (get("customer_ref") or "").strip()
    if not customer_ref:
        raise RowError("customer_ref is empty")
    if len(customer_ref) > 64:
        raise RowError("customer_ref is longer than 64 characters")
    currency = (get("currency") or "").strip().upper() or settings.PORTAL_DEFAULT_CURRENCY
    if currency not in _VALID_CURRENCIES:
        _VALID_CURRENCIES.add(_currency_check(currency))
    order_ref = (get("order_ref") or "").strip()
    if len(order_ref) > 100:
        raise RowError("order_ref is longer than 100 characters")
    return PurchaseRow(
        customer_ref,
        parse_ordered_at(get("ordered_at") or ""),
        parse_amount(get("amount") or ""),
        currency,
        products.resolve(get("product") or ""),
        order_ref,
    )


class SyntheticOrderRefs:
    """Deterministic order references for rows that have none.

    Identical rows in one input are different purchases; the n-th copy gets index n.
    Memory grows with the number of distinct reference-less rows (about 60 bytes each).
    """

    def __init__(self) -> None:
        self._seen: dict[bytes, int] = {}

    def __call__(self, row: PurchaseRow) -> str:
        content = "|".join(
            [
                row.customer_ref,
                row.ordered_at.isoformat(),
                str(row.amount),
                row.currency,
                str(row.product_id or ""),
            ]
        )
        key = hashlib.blake2b(content.encode(), digest_size=12).digest()
        occurrence = self._seen.get(key, 0)
        self._seen[key] = occurrence + 1
        return f"auto-{key.hex()}-{occurrence}"


def _batches(rows: Iterable[PurchaseRow], size: int) -> Iterator[list[PurchaseRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _customer_ids(refs: set[str]) -> tuple[dict[str, int], int]:
    known = {ref: pk for pk, ref in select_in(Customer, "id", "customer_ref", sorted(refs))}
    missing = sorted(refs - known.keys())
    if missing:
        _customers_create(missing)
        known.update((ref, pk) for pk, ref in select_in(Customer, "id", "customer_ref", missing))
    return known, len(missing)


def _customers_create(refs: list[str]) -> None:
    """``bulk_create([Customer(customer_ref=ref) ...], ignore_conflicts=True)`` without the
    per-row ORM cost: every other column gets its model default, prepared once."""
    connection = connections[router.db_for_write(Customer)]
    template = Customer(customer_ref="")
    fields = [field for field in Customer._meta.concrete_fields if not field.primary_key]
    values = [
        field.get_db_prep_save(field.pre_save(template, add=True), connection) for field in fields
    ]
    at = [field.name for field in fields].index("customer_ref")
    before, after = tuple(values[:at]), tuple(values[at + 1 :])
    insert_rows(
        Customer,
        [field.name for field in fields],
        [(*before, ref, *after) for ref in refs],
        ignore_conflicts=True,
    )


def _existing_order_refs(source: str, refs: list[str]) -> set[str]:
    return {ref for _pk, ref in select_in(Purchase, "id", "order_ref", refs, source=source)}


_PURCHASE_FIELDS = (
    "customer",
    "ordered_at",
    "amount",
    "currency",
    "product",
    "source",
    "order_ref",
    "imported_at",
)


def _purchases_insert(
    rows: list[tuple[str, PurchaseRow]], customer_ids: dict[str, int], source: str
) -> list[int]:
    """Insert new purchases (order_ref, row) without per-value ORM overhead; returns pks."""
    connection = connections[router.db_for_write(Purchase)]
    ops = connection.ops
    adapt_time = datetime_adapter(connection)
    adapt_amount = ops.adapt_decimalfield_value
    amount_field = Purchase._meta.get_field("amount")
    digits, places = amount_field.max_digits, amount_field.decimal_places
    imported_at = adapt_time(timezone.now())
    return insert_returning_pks(
        Purchase,
        _PURCHASE_FIELDS,
        [
            (
                customer_ids[row.customer_ref],
                adapt_time(row.ordered_at),
                adapt_amount(row.amount, digits, places),
                row.currency,
                row.product_id,
                source,
                ref,
                imported_at,
            )
            for ref, row in rows
        ],
    )


def purchases_import(
    *,
    rows: Iterable[PurchaseRow],
    source: str = "csv",
    channel: Channel | str = Channel.IMPORT,
    batch_size: int | None = None,
) -> ImportResult:
    """Import validated rows in batches; each batch commits on its own, and a re-run of the
    same rows adds nothing. Unknown customers are created by ``customer_ref``. Each new
    purchase records one ``purchase`` interaction (value = amount, at ``ordered_at``)."""
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    result = ImportResult()
    synthetic = SyntheticOrderRefs()
    purchase_type = ContentType.objects.get_for_model(Purchase)
    size = batch_size or settings.PORTAL_PURCHASE_IMPORT_BATCH
    for batch in _batches(rows, size):
        with transaction.atomic():
            customer_ids, new_customers = _customer_ids({row.customer_ref for row in batch})
            result.customers_created += new_customers
            by_ref: dict[str, PurchaseRow] = {}
            for row in batch:
                ref = row.order_ref or synthetic(row)
                if ref in by_ref:
                    result.duplicates += 1
                else:
                    by_ref[ref] = row
            existing = _existing_order_refs(source, list(by_ref))
            result.duplicates += len(existing)
            new_rows = [(ref, row) for ref, row in by_ref.items() if ref not in existing]
            pks = _purchases_insert(new_rows, customer_ids, source)
            result.created += len(pks)
            metadata: dict[str, dict[str, str]] = {}
            interaction_record_bulk(
                kind=InteractionKind.PURCHASE,
                channel=channel,
                target_type=purchase_type,
                rows=[
                    (
                        customer_ids[row.customer_ref],
                        str(pk),
                        row.amount,
                        metadata.get(row.currency)
                        or metadata.setdefault(
                            row.currency, {"currency": row.currency, "source": source}
                        ),
                        row.ordered_at,
                    )
                    for pk, (_ref, row) in zip(pks, new_rows, strict=True)
                ],
            )
    return result
