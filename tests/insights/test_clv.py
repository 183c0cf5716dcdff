"""Predictive CLV: the models recover known parameters from simulated purchases, and the
summary follows the literature (same-day purchases are one transaction)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from insights.clv import BGNBD, clv_fit, fit_bgnbd, fit_gamma_gamma, rfm
from portal.models import Customer, Purchase
from tests.insights.conftest import at, buy, customer

TRUE_BGNBD = (0.24, 4.4, 0.79, 2.4)  # r, alpha, a, b: the CDNOW estimates (weeks)
TRUE_GG = (6.25, 3.74, 15.44)  # p, q, gamma: the CDNOW estimates


def simulate_bgnbd(n: int, T: float, params, rng) -> tuple[np.ndarray, ...]:
    """Purchases from the BG/NBD story: rate ~ Gamma(r, alpha), after each purchase the
    customer drops out with p ~ Beta(a, b); observed for T units from the first purchase."""
    r, alpha, a, b = params
    rates = rng.gamma(r, 1 / alpha, n)
    dropout = rng.beta(a, b, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        now, count, last = 0.0, 0, 0.0
        while True:
            if (rng.random() < dropout[i] and count > 0) or rates[i] <= 0:
                break
            now += rng.exponential(1 / rates[i])
            if now > T:
                break
            count, last = count + 1, now
        x[i], t_x[i] = count, last
    return x, t_x, np.full(n, T)


def test_bgnbd_recovers_known_parameters():
    rng = np.random.default_rng(7)
    x, t_x, T = simulate_bgnbd(8000, 39.0, TRUE_BGNBD, rng)
    fit = fit_bgnbd(x, t_x, T)
    assert fit.converged
    for estimate, truth, tolerance in zip(
        fit.params(), TRUE_BGNBD, (0.2, 0.25, 0.35, 0.35), strict=True
    ):
        assert abs(estimate - truth) / truth < tolerance, (fit, TRUE_BGNBD)


def simulate_purchase_days(n: int, days: int, params, rng) -> list[list[int]]:
    """Each customer's transaction days (0 = the first transaction) from the BG/NBD story
    with weekly ``params``, observed for ``days`` days, a transaction on a whole day."""
    r, alpha, a, b = params
    rates = rng.gamma(r, 1 / alpha, n) / 7  # per day
    dropout = rng.beta(a, b, n)
    histories = []
    for i in range(n):
        now, seen = 0.0, [0]
        while rates[i] > 0:
            now += rng.exponential(1 / rates[i])
            if now >= days:
                break
            if int(now) != seen[-1]:  # two on one day are one transaction
                seen.append(int(now))
            if rng.random() < dropout[i]:
                break
        histories.append(seen)
    return histories


@pytest.mark.django_db
def test_models_recover_known_parameters_from_purchases_with_free_orders(utc):
    """The BG/NBD and Gamma-Gamma fits through ``rfm`` from purchases in the database, where
    a fifth of the customers only ever had free orders and a fifth of the other
    transactions are free: every customer stays in the BG/NBD fit with all their
    transactions; Gamma-Gamma reads only the positive ones."""
    rng = np.random.default_rng(4)
    n, days = 6000, 39 * 7
    start = datetime(2025, 1, 1, 12, tzinfo=UTC)
    histories = simulate_purchase_days(n, days, TRUE_BGNBD, rng)
    p, q, gamma = TRUE_GG
    nu = rng.gamma(q, 1 / gamma, n)
    only_free = rng.random(n) < 0.2
    customers = Customer.objects.bulk_create(
        Customer(customer_ref=f"S-{i}", name=f"s{i}") for i in range(n)
    )
    rows, expected_positive = [], np.zeros(n)
    for i, (who, seen) in enumerate(zip(customers, histories, strict=True)):
        for k, day in enumerate(seen):
            free = only_free[i] or rng.random() < 0.2
            value = 0.0 if free else round(float(rng.gamma(p, 1 / nu[i])), 2)
            if k > 0 and value > 0:
                expected_positive[i] += 1
            rows.append((who, day, value))
        if rng.random() < 0.05:  # a refund is not a transaction
            rows.append((who, seen[-1] + 1, -5.0))
    Purchase.objects.bulk_create(
        Purchase(
            customer=who,
            ordered_at=start + timedelta(days=day),
            amount=Decimal(str(value)),
            order_ref=f"S-{number}",
            source="sim",
        )
        for number, (who, day, value) in enumerate(rows)
    )
    data = rfm(as_of=(start + timedelta(days=days - 1)).date(), unit="week")
    by_id = {cid: i for i, cid in enumerate(data.customer_ids)}
    order = [by_id[who.pk] for who in customers]
    assert len(data) == n  # nobody left out, the free-only customers included
    assert np.array_equal(data.x[order], [len(seen) - 1 for seen in histories])
    assert np.array_equal(data.monetary_x[order], expected_positive)
    assert np.all(data.m[order][only_free] == 0)
    assert np.any(data.x[order][only_free] > 0)  # free-only repeat buyers, still counted
    fit = fit_bgnbd(data.x, data.t_x, data.T)
    assert fit.converged
    for estimate, truth, tolerance in zip(
        fit.params(), TRUE_BGNBD, (0.2, 0.25, 0.35, 0.35), strict=True
    ):
        assert abs(estimate - truth) / truth < tolerance, (fit, TRUE_BGNBD)
    spend = fit_gamma_gamma(data.monetary_x, data.m)
    assert spend.converged and spend.customers == int(np.sum(expected_positive > 0))
    for estimate, truth in zip((spend.p, spend.q, spend.gamma), TRUE_GG, strict=True):
        assert abs(estimate - truth) / truth < 0.25, spend
    # and the whole fit: every customer, free-only ones included, gets a score
    whole, _data = clv_fit(as_of=(start + timedelta(days=days - 1)).date(), unit="week")
    assert whole.customers == n and whole.gamma_gamma.customers == spend.customers


def test_gamma_gamma_recovers_known_parameters():
    rng = np.random.default_rng(11)
    p, q, gamma = TRUE_GG
    n = 6000
    x = rng.integers(1, 12, n).astype(float)
    nu = rng.gamma(q, 1 / gamma, n)
    m = np.array([rng.gamma(p, 1 / nu[i], int(x[i])).mean() for i in range(n)])
    fit = fit_gamma_gamma(x, m)
    assert fit.converged and fit.customers == n
    for estimate, truth in zip((fit.p, fit.q, fit.gamma), TRUE_GG, strict=True):
        assert abs(estimate - truth) / truth < 0.25, fit


def test_p_alive_and_expected_purchases_behave():
    model = BGNBD(*TRUE_BGNBD, log_likelihood=0, converged=True)
    # someone who bought often and recently is more likely alive than one who stopped long ago
    recent, lapsed = model.p_alive([5, 5], [30, 5], [31, 31])
    assert recent > lapsed
    assert model.p_alive([0], [0], [31])[0] == 1.0  # no repeat: never seen dropping out
    more, less = model.expected_purchases(52, [5, 1], [30, 30], [31, 31])
    assert more > less > 0


@pytest.mark.django_db
def test_summary_counts_same_day_purchases_once(utc):
    a, b = customer("a"), customer("b")
    buy(a, at(2026, 1, 1, 9), 10)
    buy(a, at(2026, 1, 1, 18), 30)  # same day: one transaction of 40 (not repeat)
    buy(a, at(2026, 1, 15), 20)
    buy(a, at(2026, 1, 29), 40)
    buy(a, at(2026, 1, 30), -40)  # refund: not a transaction
    buy(b, at(2026, 1, 8), 99)
    buy(b, at(2026, 3, 1), 5)  # after the as-of date
    data = rfm(as_of=date(2026, 2, 4), unit="week")
    by_id = {cid: i for i, cid in enumerate(data.customer_ids)}
    i, j = by_id[a.pk], by_id[b.pk]
    assert data.x[i] == 2  # Jan 15 and Jan 29 are repeats
    assert data.t_x[i] == pytest.approx(4.0)  # Jan 1 -> Jan 29: 28 days
    assert data.T[i] == pytest.approx(5.0)  # Jan 1 -> end of Feb 4: 35 days
    assert data.m[i] == pytest.approx(30.0)  # (20 + 40) / 2
    assert data.monetary_x[i] == 2
    assert (data.x[j], data.t_x[j], data.m[j]) == (0, 0, 0)
    days = rfm(as_of=date(2026, 2, 4), unit="day")
    assert days.T[by_id[a.pk]] == pytest.approx(35.0)


@pytest.mark.django_db
def test_summary_counts_free_orders_as_transactions_without_monetary_value(utc):
    a, b = customer("a"), customer("b")
    buy(a, at(2026, 1, 1), 30)
    buy(a, at(2026, 1, 8), 0)  # free repeat orders: transactions of no value
    buy(a, at(2026, 1, 15), 0)
    buy(b, at(2026, 1, 2), 0)  # a free first order, then a paid and a free one on one day
    buy(b, at(2026, 1, 9, 9), 12)
    buy(b, at(2026, 1, 9, 18), 0)
    buy(b, at(2026, 1, 10), -12)  # a refund: not a transaction
    data = rfm(as_of=date(2026, 1, 31), unit="day")
    by_id = {cid: i for i, cid in enumerate(data.customer_ids)}
    i, j = by_id[a.pk], by_id[b.pk]
    assert (data.x[i], data.t_x[i], data.monetary_x[i], data.m[i]) == (2, 14, 0, 0)
    assert (data.x[j], data.t_x[j], data.monetary_x[j], data.m[j]) == (1, 7, 1, 12)


@pytest.mark.django_db
def test_clv_fit_command_json(utc):
    rng = np.random.default_rng(3)
    for n in range(60):
        who = customer(f"c{n}")
        day = 1 + int(rng.integers(0, 20))
        buy(who, at(2025, 1, day), 20 + n)
        for k in range(int(rng.integers(0, 5))):
            buy(who, at(2025, 2 + k * 2, 1 + int(rng.integers(0, 27))), 10 + k + n % 7)
    out = StringIO()
    call_command("clv_fit", "--json", "--as-of", "2025-12-31", "--unit", "week", stdout=out)
    data = json.loads(out.getvalue())
    assert data["as_of"] == "2025-12-31" and data["unit"] == "week"
    assert data["customers"] == 60
    assert set(data["bgnbd"]) >= {"r", "alpha", "a", "b", "log_likelihood"}
    assert set(data["gamma_gamma"]) >= {"p", "q", "gamma", "log_likelihood"}
    assert data["bgnbd"]["log_likelihood"] < 0
    assert all(data["bgnbd"][k] > 0 for k in ("r", "alpha", "a", "b"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as-of", "2025-02-30"), "as-of must be a date"),
        (("--unit", "month"), "invalid choice"),
        ((), "At least three customers"),
    ],
)
def test_clv_fit_command_errors(args, message):
    with pytest.raises((CommandError, SystemExit)) as error:
        call_command("clv_fit", "--json", *args, stdout=StringIO(), stderr=StringIO())
    if isinstance(error.value, CommandError):
        assert message in str(error.value)
