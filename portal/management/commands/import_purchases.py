"""``manage.py import_purchases FILE.csv``: import purchases from the shop or billing system.

Columns (header required): ``customer_ref,ordered_at,amount`` plus optional
``order_ref,currency,product``. Unknown customers are created by ``customer_ref``;
re-importing the same file adds nothing (see ``portal.services.purchases``).

Without ``--skip-invalid`` the whole file is imported in one transaction, which is rolled
back (nothing imported) if any row is bad; every bad row is still reported.
The file is streamed throughout: memory stays bounded whatever its size.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, reset_queries, transaction

from portal.models import Channel
from portal.services.purchases import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ProductLookup,
    PurchaseRow,
    RowError,
    purchase_row_parse,
    purchases_import,
)

MAX_LISTED_ERRORS = 200
SOURCE_MAX_LENGTH = 32
_CHUNK = 1 << 20
_OTHER_DELIMITERS = (";", "\t", "|")
SQLITE_CACHE_KIB = 128 * 1024  # page cache during an import: index pages stay in memory


@dataclass
class RowErrors:
    """Bad rows seen so far: the first ``MAX_LISTED_ERRORS`` kept for the listing, all counted."""

    count: int = 0
    listed: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, reason: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append((line, reason))

    def lines(self) -> list[str]:
        out = [f"line {line}: {reason}" for line, reason in self.listed]
        if self.count > len(self.listed):
            out.append(f"... and {self.count - len(self.listed)} more")
        return out


def check_utf8(path: Path) -> bool:
    """Decode the whole file in chunks (bounded memory); raise ``CommandError`` naming the
    line of the first byte that is not UTF-8. Returns whether the file has any content."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    has_content = False
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, exc.start)
                raise CommandError(
                    f"{path} is not UTF-8 text (line {line}: {exc.reason}); "
                    "save it as UTF-8 CSV and try again"
                ) from None
            line += chunk.count(b"\n")
            if not has_content and text.lstrip("\ufeff").strip():
                has_content = True
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text (it ends mid-character)") from None
    return has_content


def open_reader(handle: IO[str]) -> csv.DictReader:
    """A DictReader over ``handle`` with the header checked and normalised (trimmed,
    lower-case). Raises ``CommandError`` for a missing, unknown or duplicated column."""
    reader = csv.DictReader(handle)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise CommandError(f"line 1: the header cannot be read as CSV ({exc})") from None
    if not header:
        raise CommandError("the file has no header line")
    names = [name.strip().lower() for name in header]
    if len(names) == 1:
        for delimiter in _OTHER_DELIMITERS:
            if delimiter in names[0]:
                raise CommandError(
                    f"the header has a single column {header[0]!r}: the file seems to be "
                    f"separated by {delimiter!r}; columns must be separated by commas"
                )
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise CommandError(f"duplicated column(s) in the header: {', '.join(duplicated)}")
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise CommandError(
            f"missing required column(s): {', '.join(missing)} "
            f"(the header must include {', '.join(REQUIRED_COLUMNS)})"
        )
    allowed = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    unknown = [name or "(blank)" for name in names if name not in allowed]
    if unknown:
        raise CommandError(
            f"unknown column(s): {', '.join(unknown)} "
            f"(allowed: {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)})"
        )
    reader.fieldnames = names
    return reader


def parsed_rows(
    reader: csv.DictReader, *, products: ProductLookup, errors: RowErrors
) -> Iterator[PurchaseRow]:
    """Yield each valid row; record each invalid one (with its line number) in ``errors``."""
    width = len(reader.fieldnames or ())
    try:
        for raw in reader:
            if None in raw:  # DictReader's restkey: more fields than columns
                errors.add(
                    reader.line_num, f"has {width + len(raw[None])} fields, expected {width}"
                )
                continue
            try:
                yield purchase_row_parse(raw, products=products)
            except RowError as exc:
                if None in raw.values():  # DictReader's restval: fewer fields than columns
                    fields = sum(value is not None for value in raw.values())
                    errors.add(reader.line_num, f"has {fields} fields, expected {width}")
                else:
                    errors.add(reader.line_num, str(exc))
    except csv.Error as exc:
        raise CommandError(f"line {reader.line_num}: cannot be read as CSV ({exc})") from None


def forget_queries(rows: Iterable[PurchaseRow], every: int = 1000) -> Iterator[PurchaseRow]:
    """Under DEBUG, Django keeps the SQL of every query: clear that log as rows stream by,
    so memory does not grow with the file (``django.db.reset_queries``, as per request)."""
    if not settings.DEBUG or connection.force_debug_cursor:
        yield from rows
        return
    for n, row in enumerate(rows):
        if n % every == 0:
            reset_queries()
        yield row


class _InvalidFile(Exception):
    """Raised inside the import transaction to roll it back when a row is invalid."""


def until_invalid(rows: Iterable[PurchaseRow], errors: RowErrors) -> Iterator[PurchaseRow]:
    """Pass rows on until the first invalid one; after it, keep validating (so every bad
    row is reported) but import nothing more: the transaction will be rolled back."""
    for row in rows:
        if not errors.count:
            yield row


@contextmanager
def bulk_session() -> Iterator[None]:
    """On SQLite, a larger page cache for the import (restored afterwards): inserts into
    indexes with random keys (customer, time) otherwise re-read pages from disk."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


class Command(BaseCommand):
    help = (
        "Import purchases from a CSV file with columns customer_ref, ordered_at, amount "
        "(+ optional order_ref, currency, product). Unknown customers are created; "
        "re-importing the same file adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file (UTF-8, comma-separated, header)")
        parser.add_argument(
            "--source",
            default="csv",
            help="Name of the system the file comes from; order references are unique per "
            "source (default: csv).",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and report the invalid ones, instead of importing "
            "nothing when any row is invalid.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="Rows per transaction (default: settings.PORTAL_PURCHASE_IMPORT_BATCH).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        source: str = options["source"].strip()
        batch_size: int | None = options["batch_size"]
        if not source or len(source) > SOURCE_MAX_LENGTH:
            raise CommandError(f"--source must be 1 to {SOURCE_MAX_LENGTH} characters")
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be a positive number")
        if not path.exists():
            raise CommandError(f"file not found: {path}")
        if not path.is_file():
            raise CommandError(f"not a file: {path}")
        if not check_utf8(path):
            raise CommandError(
                f"{path} is empty: expected a header line "
                f"({','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}) and rows"
            )

        products = ProductLookup()
        strict = not options["skip_invalid"]
        errors = RowErrors()
        try:
            with (
                path.open(encoding="utf-8-sig", newline="") as handle,
                bulk_session(),
                transaction.atomic() if strict else nullcontext(),
            ):
                rows = parsed_rows(open_reader(handle), products=products, errors=errors)
                result = purchases_import(
                    rows=forget_queries(until_invalid(rows, errors) if strict else rows),
                    source=source,
                    channel=Channel.IMPORT,
                    batch_size=batch_size,
                )
                if strict and errors.count:
                    raise _InvalidFile
        except _InvalidFile:
            for line in errors.lines():
                self.stderr.write(line)
            raise CommandError(
                f"{errors.count} invalid row(s) in {path}; nothing was imported. "
                "Fix them, or use --skip-invalid to import the valid rows."
            ) from None

        for line in errors.lines():
            self.stderr.write(line)
        if result.created + result.duplicates + errors.count == 0:
            self.stdout.write(self.style.WARNING(f"{path} has a header but no rows."))
        self.stdout.write(
            self.style.SUCCESS(
                f"created: {result.created}, "
                f"duplicates (already imported): {result.duplicates}, "
                f"customers created: {result.customers_created}, "
                f"invalid skipped: {errors.count}"
            )
        )
