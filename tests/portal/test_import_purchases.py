"""``manage.py import_purchases``: the CSV contract in DESIGN.md (Command-line contract)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from portal.models import Channel, Customer, Interaction, InteractionKind, Product, Purchase

pytestmark = pytest.mark.django_db

HEADER = "customer_ref,ordered_at,amount,order_ref,currency,product"


@pytest.fixture
def broadband(db) -> Product:
    return Product.objects.create(name="Fibre Broadband", slug="fibre-broadband")


def write(tmp_path: Path, text: str, name: str = "purchases.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path: Path | str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_purchases", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_happy_path_with_all_columns(tmp_path, broadband, alice):
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "C-ALICE,2026-03-01T10:30:00+00:00,49.90,A-1,eur,fibre-broadband\n"
        "C-NEW,2026-03-02T08:00:00Z,12.00,A-2,USD,Fibre Broadband\n",
    )

    out, err = run(path)

    assert "created: 2" in out
    assert "duplicates (already imported): 0" in out
    assert "customers created: 1" in out
    assert "invalid skipped: 0" in out
    assert err == ""
    first = Purchase.objects.get(order_ref="A-1")
    assert first.customer == alice.customer
    assert first.amount == Decimal("49.90")
    assert first.currency == "EUR"
    assert first.product == broadband
    assert first.source == "csv"
    assert first.ordered_at == datetime(2026, 3, 1, 10, 30, tzinfo=UTC)
    second = Purchase.objects.get(order_ref="A-2")
    assert second.customer.customer_ref == "C-NEW"
    assert second.currency == "USD"
    assert second.product == broadband  # by name, case-insensitive


def test_optional_columns_missing(tmp_path, settings):
    settings.PORTAL_DEFAULT_CURRENCY = "GBP"
    path = write(tmp_path, "customer_ref,ordered_at,amount\nC-1,2026-01-05T09:00:00Z,10.50\n")

    out, _err = run(path)

    purchase = Purchase.objects.get()
    assert "created: 1" in out
    assert purchase.currency == "GBP"
    assert purchase.product is None
    assert purchase.order_ref.startswith("auto-")


def test_source_option_keeps_order_refs_apart(tmp_path):
    path = write(tmp_path, "customer_ref,ordered_at,amount,order_ref\nC-1,2026-01-05,10,X-1\n")
    run(path)
    run(path, "--source", "shop")
    assert sorted(Purchase.objects.values_list("source", flat=True)) == ["csv", "shop"]


def test_reimport_adds_nothing(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\nC-1,2026-01-05T09:00:00Z,10.00,O-1,,\nC-2,2026-01-06T09:00:00Z,20.00,O-2,,\n",
    )
    run(path)

    out, _err = run(path)

    assert "created: 0" in out
    assert "duplicates (already imported): 2" in out
    assert "customers created: 0" in out
    assert Purchase.objects.count() == 2
    assert Interaction.objects.filter(kind=InteractionKind.PURCHASE).count() == 2
    assert Customer.objects.count() == 2


def test_identical_rows_without_order_ref_are_distinct_but_reimport_adds_nothing(tmp_path):
    row = "C-1,2026-01-05T09:00:00Z,10.00\n"
    path = write(tmp_path, "customer_ref,ordered_at,amount\n" + row * 3)

    out, _err = run(path)
    assert "created: 3" in out
    assert len(set(Purchase.objects.values_list("order_ref", flat=True))) == 3

    out, _err = run(path)
    assert "created: 0" in out
    assert "duplicates (already imported): 3" in out
    assert Purchase.objects.count() == 3


def test_one_more_identical_row_adds_exactly_one(tmp_path):
    row = "C-1,2026-01-05T09:00:00Z,10.00\n"
    run(write(tmp_path, "customer_ref,ordered_at,amount\n" + row * 2, "a.csv"))
    out, _err = run(write(tmp_path, "customer_ref,ordered_at,amount\n" + row * 3, "b.csv"))
    assert "created: 1" in out
    assert Purchase.objects.count() == 3


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_imported(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "C-1,2026-01-05T09:00:00Z,10.00,O-1,,\n"
        "C-2,yesterday,10.00,O-2,,\n"
        ",2026-01-05,10.00,O-3,,\n"
        "C-4,2026-01-05,ten,O-4,,\n"
        "C-5,2026-01-05,1.005,O-5,,\n"
        "C-6,2026-01-05,1.00,O-6,EURO,\n"
        "C-7,2026-01-05,1.00,O-7,,,extra\n"
        "C-8,2026-01-05\n",
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="7 invalid row"):
        call_command("import_purchases", str(path), stdout=io.StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert lines == [
        "line 3: ordered_at 'yesterday' is not an ISO date or date-time",
        "line 4: customer_ref is empty",
        "line 5: amount 'ten' is not a number",
        "line 6: amount '1.005' has more than two decimals",
        "line 7: currency 'EURO' is not a three-letter ISO code",
        "line 8: has 7 fields, expected 6",
        "line 9: has 2 fields, expected 6",
    ]
    assert Purchase.objects.count() == 0
    assert Customer.objects.count() == 0
    assert Interaction.objects.count() == 0


def test_bad_row_listing_is_capped(tmp_path):
    path = write(tmp_path, "customer_ref,ordered_at,amount\n" + "C-1,2026-01-05,x\n" * 250)
    err = io.StringIO()
    with pytest.raises(CommandError, match="250 invalid row"):
        call_command("import_purchases", str(path), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) == 201
    assert lines[0] == "line 2: amount 'x' is not a number"
    assert lines[199].startswith("line 201: ")
    assert lines[200] == "... and 50 more"


def test_skip_invalid_imports_the_good_rows(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "C-1,2026-01-05T09:00:00Z,10.00,O-1,,\n"
        "C-2,2026-01-05T09:00:00Z,oops,O-2,,\n"
        "C-3,2026-01-06T09:00:00Z,30.00,O-3,,\n",
    )

    out, err = run(path, "--skip-invalid")

    assert err.splitlines() == ["line 3: amount 'oops' is not a number"]
    assert "created: 2" in out
    assert "invalid skipped: 1" in out
    assert sorted(Purchase.objects.values_list("order_ref", flat=True)) == ["O-1", "O-3"]
    assert not Customer.objects.filter(customer_ref="C-2").exists()


def test_small_batches_give_the_same_result(tmp_path):
    rows = "".join(f"C-{n % 3},2026-01-05T09:00:00Z,{n}.00,O-{n},,\n" for n in range(7))
    path = write(tmp_path, f"{HEADER}\n{rows}")
    out, _err = run(path, "--batch-size", "2")
    assert "created: 7" in out
    assert "customers created: 3" in out
    assert Purchase.objects.count() == 7


def test_unknown_customers_are_created_by_ref_and_known_ones_reused(tmp_path, alice):
    path = write(
        tmp_path,
        "customer_ref,ordered_at,amount\n"
        "C-ALICE,2026-01-05,10\nC-ZED,2026-01-05,11\nC-ZED,2026-01-06,12\n",
    )
    out, _err = run(path)
    assert "customers created: 1" in out
    zed = Customer.objects.get(customer_ref="C-ZED")
    assert zed.user is None
    assert zed.purchases.count() == 2
    assert alice.customer.purchases.count() == 1


def test_unknown_product_is_a_bad_row(tmp_path, broadband):
    path = write(tmp_path, f"{HEADER}\nC-1,2026-01-05,10,O-1,,Teleporter\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_purchases", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip() == "line 2: unknown product 'Teleporter'"
    assert Purchase.objects.count() == 0


def test_refund_is_a_negative_amount(tmp_path):
    path = write(tmp_path, f"{HEADER}\nC-1,2026-01-05,10.00,O-1,,\nC-1,2026-01-07,-10.00,O-1R,,\n")
    run(path)
    refund = Purchase.objects.get(order_ref="O-1R")
    assert refund.amount == Decimal("-10.00")
    interaction = Interaction.objects.get(target_id=str(refund.pk))
    assert interaction.value == Decimal("-10.00")


def test_naive_datetime_and_date_only_are_in_the_configured_time_zone(tmp_path, settings):
    settings.TIME_ZONE = "Europe/Rome"
    path = write(
        tmp_path,
        "customer_ref,ordered_at,amount,order_ref\n"
        "C-1,2026-07-01 12:00:00,1,naive\n"
        "C-1,2026-01-15,1,date\n"
        "C-1,2026-07-01T12:00:00+02:00,1,aware\n",
    )
    run(path)
    rome = ZoneInfo("Europe/Rome")
    naive = Purchase.objects.get(order_ref="naive")
    assert naive.ordered_at == datetime(2026, 7, 1, 12, 0, tzinfo=rome)
    assert naive.ordered_at == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert Purchase.objects.get(order_ref="date").ordered_at == datetime(
        2026, 1, 14, 23, 0, tzinfo=UTC
    )
    assert Purchase.objects.get(order_ref="aware").ordered_at == datetime(
        2026, 7, 1, 10, 0, tzinfo=UTC
    )


def test_utf8_bom_and_padded_header_are_accepted(tmp_path):
    path = write(tmp_path, "\ufeffCustomer_Ref, ordered_at ,AMOUNT\nC-Zoë,2026-01-05,3.50\n")
    out, _err = run(path)
    assert "created: 1" in out
    assert Purchase.objects.get().customer.customer_ref == "C-Zoë"


def test_not_utf8_is_a_clear_error(tmp_path):
    path = write(
        tmp_path, "customer_ref,ordered_at,amount\nC-Zoë,2026-01-05,3.50\n", encoding="latin-1"
    )
    with pytest.raises(CommandError, match=r"not UTF-8 text \(line 2"):
        run(path)
    assert Purchase.objects.count() == 0


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="file not found"):
        run(tmp_path / "nope.csv")


def test_missing_required_column_is_named(tmp_path):
    path = write(tmp_path, "customer_ref,amount\nC-1,10\n")
    with pytest.raises(CommandError, match=r"missing required column.*: ordered_at"):
        run(path)


def test_unknown_column_is_an_error(tmp_path):
    path = write(tmp_path, "customer_ref,ordered_at,amount,colour\nC-1,2026-01-05,10,red\n")
    with pytest.raises(CommandError, match=r"unknown column.*: colour"):
        run(path)
    assert Purchase.objects.count() == 0


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_empty_file(tmp_path, text):
    with pytest.raises(CommandError, match="is empty"):
        run(write(tmp_path, text))


def test_header_only_imports_nothing(tmp_path):
    out, _err = run(write(tmp_path, "customer_ref,ordered_at,amount\n"))
    assert "has a header but no rows" in out
    assert "created: 0" in out
    assert Purchase.objects.count() == 0


def test_wrong_delimiter_is_explained(tmp_path):
    path = write(tmp_path, "customer_ref;ordered_at;amount\nC-1;2026-01-05;10\n")
    with pytest.raises(CommandError, match="separated by ';'"):
        run(path)


def test_each_purchase_records_one_purchase_interaction(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\nC-1,2026-01-05T09:00:00Z,10.00,O-1,,\nC-2,2026-02-05T09:00:00Z,25.50,O-2,,\n",
    )
    run(path)
    run(path)  # a re-import records nothing more

    purchase_type = ContentType.objects.get_for_model(Purchase)
    assert Interaction.objects.count() == 2
    for purchase in Purchase.objects.all():
        interaction = Interaction.objects.get(target_type=purchase_type, target_id=str(purchase.pk))
        assert interaction.kind == InteractionKind.PURCHASE
        assert interaction.channel == Channel.IMPORT
        assert interaction.customer_id == purchase.customer_id
        assert interaction.value == purchase.amount
        assert interaction.occurred_at == purchase.ordered_at
        assert interaction.metadata == {"currency": "EUR", "source": "csv"}


def test_bad_options(tmp_path):
    path = write(tmp_path, "customer_ref,ordered_at,amount\nC-1,2026-01-05,10\n")
    with pytest.raises(CommandError, match="--batch-size"):
        run(path, "--batch-size", "0")
    with pytest.raises(CommandError, match="--source"):
        run(path, "--source", "x" * 33)
    assert Purchase.objects.count() == 0
