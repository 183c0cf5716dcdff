"""portal.db.bulk: the bulk SQL helpers behave as the ORM calls they replace (SQLite and
PostgreSQL: run this module with DATABASE_URL set for the latter)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat

from portal.db import bulk
from portal.models import Customer, Product

pytestmark = pytest.mark.django_db

PRODUCT_FIELDS = ["name", "slug", "kind", "category", "description", "is_active"]


def _products(n: int) -> list[Product]:
    return Product.objects.bulk_create(
        Product(name=f"Product {i}", slug=f"p-{i}", category="fibre") for i in range(n)
    )


def _copies():
    """Every product whose slug does not end in -copy, as a copy (all columns)."""
    return (
        Product.objects.exclude(slug__endswith="-copy")
        .order_by()
        .annotate(copy_slug=Concat(F("slug"), Value("-copy"), output_field=CharField()))
        .values_list("name", "copy_slug", "kind", "category", "description", "is_active")
    )


def test_insert_from_select_copies_the_selected_rows():
    _products(3)
    assert bulk.insert_from_select(Product, PRODUCT_FIELDS, _copies()) == 3
    assert sorted(Product.objects.filter(slug__endswith="-copy").values_list("slug", "name")) == [
        ("p-0-copy", "Product 0"),
        ("p-1-copy", "Product 1"),
        ("p-2-copy", "Product 2"),
    ]


def test_insert_from_select_ignoring_conflicts_adds_only_the_missing_rows():
    _products(3)
    bulk.insert_from_select(Product, PRODUCT_FIELDS, _copies().filter(slug="p-1"))
    added = bulk.insert_from_select(Product, PRODUCT_FIELDS, _copies(), ignore_conflicts=True)
    assert added == 2
    assert Product.objects.count() == 6
    assert bulk.insert_from_select(Product, PRODUCT_FIELDS, _copies(), ignore_conflicts=True) == 0
    assert Product.objects.count() == 6


def test_insert_from_select_without_a_conflict_rule_refuses_duplicates():
    _products(1)
    bulk.insert_from_select(Product, PRODUCT_FIELDS, _copies())
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_from_select(Product, PRODUCT_FIELDS, _copies())


def test_insert_from_select_updates_the_named_fields_on_conflict():
    _products(2)
    Product.objects.filter(slug="p-0").update(description="kept")
    renamed = (
        Product.objects.order_by()
        .annotate(new_name=Concat(Value("New "), F("name"), output_field=CharField()))
        .annotate(new_description=Value("replaced", output_field=CharField()))
        .values_list("new_name", "slug", "kind", "category", "new_description", "is_active")
    )
    bulk.insert_from_select(
        Product, PRODUCT_FIELDS, renamed, unique_fields=["slug"], update_fields=["name"]
    )
    assert Product.objects.count() == 2
    assert sorted(Product.objects.values_list("slug", "name", "description")) == [
        ("p-0", "New Product 0", "kept"),  # only ``name`` is updated
        ("p-1", "New Product 1", ""),
    ]


def test_insert_from_select_takes_raw_sql_and_params():
    table = connection.ops.quote_name(Product._meta.db_table)
    select = (
        f"SELECT %s, %s, kind, category, description, is_active FROM {table} WHERE slug = %s",  # noqa: S608
        ["Raw", "raw", "p-0"],
    )
    _products(1)
    assert bulk.insert_from_select(Product, PRODUCT_FIELDS, select) == 1
    assert Product.objects.get(slug="raw").name == "Raw"


def test_insert_from_select_refuses_contradictory_conflict_rules():
    with pytest.raises(ValueError, match="unique_fields"):
        bulk.insert_from_select(Product, PRODUCT_FIELDS, _copies(), update_fields=["name"])
    with pytest.raises(ValueError, match="exclude"):
        bulk.insert_from_select(
            Product,
            PRODUCT_FIELDS,
            _copies(),
            ignore_conflicts=True,
            unique_fields=["slug"],
            update_fields=["name"],
        )


def _product_rows(slugs, name="Same name for all"):
    return [(name, slug, "service", "", "", True) for slug in slugs]


def test_insert_new_returns_only_the_rows_it_inserted():
    first = bulk.insert_new(Product, PRODUCT_FIELDS, _product_rows(["a", "b"]), ["id", "slug"])
    assert [slug for _pk, slug in first] == ["a", "b"]
    again = bulk.insert_new(Product, PRODUCT_FIELDS, _product_rows(["a", "b", "c"]), ["id", "slug"])
    assert [slug for _pk, slug in again] == ["c"]
    assert dict(Product.objects.values_list("slug", "pk")) == {
        slug: pk for pk, slug in first + again
    }
    assert bulk.insert_new(Product, PRODUCT_FIELDS, [], ["id"]) == []


@pytest.mark.django_db(transaction=True)  # outside a transaction too: another code path
@pytest.mark.parametrize("atomic", [False, True])
def test_insert_returning_pks_gives_the_keys_in_row_order(atomic):
    slugs = [f"s-{i:04d}" for i in range(1500)]
    rows = _product_rows(slugs)
    if atomic:
        with transaction.atomic():
            pks = bulk.insert_returning_pks(Product, PRODUCT_FIELDS, rows)
    else:
        pks = bulk.insert_returning_pks(Product, PRODUCT_FIELDS, rows)
    assert len(pks) == len(set(pks)) == 1500
    assert dict(Product.objects.values_list("pk", "slug")) == dict(zip(pks, slugs, strict=True))
    assert bulk.insert_returning_pks(Product, PRODUCT_FIELDS, []) == []


def test_insert_rows_can_skip_conflicting_rows():
    _products(1)
    template = Customer(customer_ref="")
    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in fields]
    at = [f.name for f in fields].index("customer_ref")
    rows = [(*values[:at], ref, *values[at + 1 :]) for ref in ["X-1", "X-2"]]
    bulk.insert_rows(Customer, [f.name for f in fields], rows, ignore_conflicts=True)
    bulk.insert_rows(Customer, [f.name for f in fields], rows, ignore_conflicts=True)
    assert sorted(Customer.objects.values_list("customer_ref", flat=True)) == ["X-1", "X-2"]


def test_select_in_matches_the_orm_across_chunks(monkeypatch):
    _products(25)
    monkeypatch.setattr(bulk, "IN_CHUNK", 4)
    slugs = [f"p-{i}" for i in range(0, 25, 2)] + ["missing"]
    found = bulk.select_in(Product, "id", "slug", slugs, category="fibre")
    expected = Product.objects.filter(slug__in=slugs, category="fibre").values_list("id", "slug")
    assert sorted(found) == sorted(expected)
    assert bulk.select_in(Product, "id", "slug", slugs, category="other") == []


def test_unnest_select_sends_constant_columns_once():
    rows = _product_rows([f"u-{i}" for i in range(1000)])
    sql, params = bulk.unnest_select(connection, Product, PRODUCT_FIELDS, rows)
    # five constant columns as plain parameters, the varying slug as one array
    assert len(params) == 6
    assert params[-1] == [row[1] for row in rows]
    assert "unnest(" in sql and sql.count("%s") == 6


def test_datetime_adapter_matches_djangos():
    at = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    adapt = bulk.datetime_adapter(connection)
    assert str(adapt(at)) == str(connection.ops.adapt_datetimefield_value(at))
    assert adapt(None) is None


@pytest.mark.django_db
def test_postgresql_settings_are_set_for_the_block_and_reset():
    from django.db import connection

    from portal.db.session import postgresql_settings

    with postgresql_settings(jit="off", work_mem="64MB") as applied:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW work_mem")
                assert cursor.fetchone()[0] == "64MB"
    assert applied is (connection.vendor == "postgresql")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            assert cursor.fetchone()[0] != "64MB"
    with pytest.raises(ValueError), postgresql_settings(**{"work_mem; DROP": "1"}):
        pass
