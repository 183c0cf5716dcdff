"""``manage.py metrics --json``: the DESIGN.md command-line contract."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from insights.metrics import METRICS
from insights.models import SurveyKind
from tests.insights.conftest import answer, at, buy, customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("utc")]


def run(*args) -> dict:
    out = StringIO()
    call_command("metrics", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_json_keys_every_metric_by_name_with_the_periods_numbers():
    a = customer("a")
    buy(a, at(2026, 1, 5), 100)
    buy(a, at(2026, 1, 6), 50)
    answer(a, SurveyKind.CSAT, 5, at(2026, 1, 7))
    answer(a, SurveyKind.CSAT, 2, at(2026, 1, 8))
    data = run("--start", "2026-01-01", "--end", "2026-01-31")
    assert data["period"] == {"start": "2026-01-01", "end": "2026-01-31"}
    assert set(METRICS) <= set(data)
    for name in ("nps", "csat", "ces", "retention_rate", "churn_rate", "repeat_customer_rate"):
        assert name in data
    assert data["csat"] == pytest.approx(0.5)
    assert data["average_order_value"] == pytest.approx(75.0)
    assert data["repeat_customer_rate"] == pytest.approx(1.0)
    assert data["nps"] is None
    assert set(data["lifecycle_stages"]) == {
        "awareness",
        "acquisition",
        "conversion",
        "retention",
        "advocacy",
    }
    assert data["cohort_retention"] == [
        {"cohort": "2026-01-01", "size": 1, "retention": [1.0], "partial": False}
    ]


def test_rates_are_fractions():
    a = customer("a")
    buy(a, at(2026, 1, 5), 100)
    data = run("--start", "2026-01-01", "--end", "2026-01-31")
    for name, metric in METRICS.items():
        if metric.unit == "rate" and data[name] is not None:
            assert 0 <= data[name] <= 1, name


def test_dates_are_inclusive():
    a = customer("a")
    buy(a, at(2026, 1, 31, 23, 59), 10)
    assert run("--start", "2026-01-31", "--end", "2026-01-31")["average_order_value"] == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--start", "2026-13-01"), "start must be a date in ISO format"),
        (("--end", "yesterday"), "end must be a date in ISO format"),
        (("--start", "2026-02-01", "--end", "2026-01-01"), "is before the start date"),
        (("--start", "2000-01-01", "--end", "2026-01-01"), "at most"),
        (("--channel", "pigeon"), "Unknown channel"),
    ],
)
def test_bad_input_is_a_clear_command_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_plain_listing():
    out = StringIO()
    call_command("metrics", "--start", "2026-01-01", "--end", "2026-01-31", stdout=out)
    assert "churn_rate" in out.getvalue()
    assert "the share lost by its end" in out.getvalue()  # the definition in words
