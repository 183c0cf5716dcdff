"""Money as insights hands it out (``insights.money``): rounded half-up to the currency's
minor units, ``None`` for an undefined amount, and the same in ``metrics --json`` as in the
API (a JSON number and a ``currency``)."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from insights.money import amount, decimals, report_amounts, rounded
from tests.insights.conftest import at, buy, customer


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (1317.4, "EUR", Decimal("1317.40")),
        (Decimal("1317.40000000000"), "EUR", Decimal("1317.40")),
        (66.666666, "EUR", Decimal("66.67")),
        (0.125, "USD", Decimal("0.13")),  # half up, not to even
        (2.675, "EUR", Decimal("2.68")),  # the decimal written, not the binary float
        (66.6, "JPY", Decimal("67")),
        (1.2345, "KWD", Decimal("1.235")),
        (-12.345, "EUR", Decimal("-12.35")),
        (7, "eur", Decimal("7.00")),
    ],
)
def test_rounded_to_the_minor_unit(value, currency, expected):
    found = rounded(value, currency)
    assert found == expected and found.as_tuple().exponent == -decimals(currency)


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), "nonsense"])
def test_an_undefined_amount_stays_undefined(value):
    assert rounded(value) is None and amount(value) is None


def test_amount_is_a_json_number_in_the_shop_currency(settings):
    assert amount(Decimal("1317.40000000000")) == 1317.4
    assert json.dumps(amount(-0.001)) == "0.0"  # never "-0.0"
    settings.PORTAL_DEFAULT_CURRENCY = "JPY"
    assert amount(1317.4) == 1317.0
    assert report_amounts({"average_order_value": 12.5, "csat": 0.123456}) == {
        "average_order_value": 13.0,
        "csat": 0.123456,  # a rate, not money: untouched
        "currency": "JPY",
    }


@pytest.mark.django_db
def test_metrics_json_rounds_money_and_names_the_currency(utc):
    a = customer("a")
    for value in (100, 50, 50.2):
        buy(a, at(2026, 1, 5), value)
    out = StringIO()
    call_command("metrics", "--json", "--start", "2026-01-01", "--end", "2026-01-31", stdout=out)
    data = json.loads(out.getvalue())
    assert data["average_order_value"] == 66.73 and data["currency"] == "EUR"  # 200.2 / 3
