"""An order is a purchase with amount >= 0 (``Purchase.ORDER``): a free or fully discounted
order counts for frequency, repeat customers, the customer rule (acquired at the first
order, active by the last), the lifecycle and the cohorts; a refund does not. Each number is
checked by hand the way a single metric computes it and the way the dashboard, the API and
``metrics`` compute it (``report``/``values`` inside ``shared_queries``: the per-customer
pass), and against the drill-down to the customers behind it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from insights.metrics import METRICS, Period, Segment, cohort_retention, report, values
from insights.metrics.drilldown import customers_behind
from insights.metrics.lifecycle import lifecycle_counts, with_stage
from insights.models import Survey, SurveyKind
from insights.services.sender import surveys_send
from portal.models import Purchase
from tests.insights.conftest import at, buy, customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("utc")]

JAN = Period(date(2026, 1, 1), date(2026, 1, 31))
FEB = Period(date(2026, 2, 1), date(2026, 2, 28))


def every_way(name: str, period: Period, segment: Segment | None = None) -> list:
    """The metric on its own, in ``values`` and in ``report`` (both in shared_queries)."""
    segment = segment or Segment()
    return [
        METRICS[name](period, segment),
        values(period, segment)[name],
        report(period, segment)[name],
    ]


def refs(queryset) -> set[str]:
    return {c.name for c in queryset}


def test_the_rule_is_one_definition():
    a = customer("a")
    free = buy(a, at(2026, 1, 5), 0)
    paid = buy(a, at(2026, 1, 6), 10)
    refund = buy(a, at(2026, 1, 7), -10)
    assert set(Purchase.objects.orders()) == {free, paid}
    assert set(Purchase.objects.filter(Purchase.REFUND)) == {refund}
    assert Purchase.ORDER.children == [("amount__gte", 0)]


@pytest.fixture
def january():
    """a: a paid and a free order; b: one free order only; c: a paid order and a refund."""
    a, b, c = customer("a"), customer("b"), customer("c")
    buy(a, at(2026, 1, 5), 100)
    buy(a, at(2026, 1, 20), 0)  # free: a second order
    buy(b, at(2026, 1, 10), 0)  # free: b is a purchasing customer
    buy(c, at(2026, 1, 12), 50)
    buy(c, at(2026, 1, 15), -20)  # refund: not an order
    return a, b, c


def test_purchase_frequency_counts_free_orders(january):
    # orders: a 2, b 1, c 1 = 4; purchasing customers a, b, c = 3 (was 2 / 2 = 1)
    assert every_way("purchase_frequency", JAN) == [pytest.approx(4 / 3)] * 3
    assert refs(customers_behind("purchasing", JAN, Segment())) == {"a", "b", "c"}


def test_repeat_customer_rate_counts_free_orders(january):
    # repeat: a (100 then a free order); purchasing: 3 (was 0 / 2)
    assert every_way("repeat_customer_rate", JAN) == [pytest.approx(1 / 3)] * 3
    assert refs(customers_behind("repeat", JAN, Segment())) == {"a"}


def test_average_order_value_is_net_revenue_over_orders(january):
    # net revenue 100 + 0 + 0 + 50 - 20 = 130 over 4 orders (was 130 / 2)
    assert every_way("average_order_value", JAN) == [pytest.approx(130 / 4)] * 3


@pytest.fixture
def february(settings):
    """30-day inactivity window. At Feb 1 the window starts Jan 2, at Mar 1 it starts Jan 30.
    d: paid Jan 20, then a free order Feb 25 (kept active by it); e: a free order Feb 10
    only (acquired in February); f: paid Jan 15, a refund Feb 20 (a refund keeps nobody)."""
    settings.INSIGHTS_INACTIVITY_DAYS = 30
    d, e, f = customer("d"), customer("e"), customer("f")
    buy(d, at(2026, 1, 20), 40)
    buy(d, at(2026, 2, 25), 0)
    buy(e, at(2026, 2, 10), 0)
    buy(f, at(2026, 1, 15), 30)
    buy(f, at(2026, 2, 20), -30)
    return d, e, f


def test_churn_counts_a_free_order_as_activity(february):
    # at the start: d, f (2); at the end: d (free order Feb 25), e (free order Feb 10);
    # lost: f only -> 1 / 2 (was 2 / 2: d lost, e never a customer)
    assert every_way("churn_rate", FEB) == [pytest.approx(0.5)] * 3
    assert refs(customers_behind("churned", FEB, Segment())) == {"f"}
    assert refs(customers_behind("active_end", FEB, Segment())) == {"d", "e"}


def test_acquisition_at_a_free_first_order(february):
    # new: e, acquired by its free order; retention (E - N) / S = (2 - 1) / 2 (was 0 / 2)
    assert every_way("retention_rate", FEB) == [pytest.approx(0.5)] * 3
    assert refs(customers_behind("new", FEB, Segment())) == {"e"}


def test_lifecycle_stage_with_free_orders():
    g, h, i = customer("g"), customer("h"), customer("i")
    buy(g, at(2026, 1, 5), 25)
    buy(g, at(2026, 1, 9), 0)  # a second (free) order: retention
    buy(h, at(2026, 1, 7), 0)  # a free order only: converted
    buy(i, at(2026, 1, 8), -5)  # a refund only: never converted
    # (the records are created today, after the moment: only the converted ones count)
    stages = {c.name: c.stage for c in with_stage(Segment().customers_qs(), JAN.end_at)}
    assert stages == {"g": "retention", "h": "conversion"}
    counts = lifecycle_counts(JAN.end_at, Segment())
    assert (counts["retention"], counts["conversion"], counts["awareness"]) == (1, 1, 0)
    assert report(JAN, Segment())["lifecycle_stages"] == counts


def test_a_free_first_order_starts_a_cohort():
    j, k = customer("j"), customer("k")
    buy(j, at(2026, 1, 3), 0)  # cohort January, by a free order
    buy(j, at(2026, 2, 3), 15)
    buy(k, at(2026, 1, 4), 20)
    buy(k, at(2026, 1, 6), -20)  # refunded: still January's cohort, no February order
    table = cohort_retention(Period(date(2026, 1, 1), date(2026, 2, 28)), Segment())
    assert [(row["cohort"], row["size"]) for row in table] == [(date(2026, 1, 1), 2)]
    assert table[0]["retention"][:2] == [1.0, 0.5]


def test_the_nps_round_asks_customers_whose_orders_were_free(alice, bob, settings):
    settings.INSIGHTS_SURVEY_MIN_DAYS = 30
    now = timezone.now()
    buy(alice.customer, now - timedelta(days=40), 0)  # a free order: a customer to ask
    buy(bob.customer, now - timedelta(days=40), -5)  # a refund only: nobody to ask
    assert surveys_send(now=now, purchases=False) == {"nps_sent": 1}
    assert Survey.objects.get(kind=SurveyKind.NPS).customer == alice.customer


def test_a_free_first_order_puts_the_customer_in_its_cohort_segment():
    """The cohort filter (``Segment(cohort=...)``) and the cohort table agree: a customer
    whose first order was free belongs to that month's cohort; a refund makes no cohort."""
    a, b, c = customer("a"), customer("b"), customer("c")
    buy(a, at(2026, 1, 5), 0)
    buy(b, at(2026, 1, 6), 10)
    buy(c, at(2026, 1, 7), -10)
    members = refs(Segment(cohort=date(2026, 1, 1)).customers_qs())
    assert members == {"a", "b"}
    assert cohort_retention(JAN, Segment())[0]["size"] == len(members)
