"""Predictive CLV: the models recover known parameters from simulated purchases, and the
summary follows the literature (same-day purchases are one transaction)."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from insights.clv import BGNBD, fit_bgnbd, fit_gamma_gamma, rfm
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
    assert (data.x[j], data.t_x[j], data.m[j]) == (0, 0, 0)
    days = rfm(as_of=date(2026, 2, 4), unit="day")
    assert days.T[by_id[a.pk]] == pytest.approx(35.0)


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
