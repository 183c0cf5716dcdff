"""The per-customer pass (``insights.metrics.customer_pass``): the same numbers as the rule's
per-customer expressions and as plain queries, for a period and the previous one; its
closed part cached under the rollups' state, with today's buyers live."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from insights.metrics import Period, Segment, shared_queries
from insights.metrics.customer_pass import cache_key
from insights.metrics.customers import _base_counts, facts, prime, warm
from insights.models import RollupDay
from insights.services.rollups import rollup_pending, rollup_run
from portal.models import Product, Purchase, Subscription
from tests.insights.conftest import at, buy, customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("utc")]

Q2 = Period(date(2026, 4, 1), date(2026, 6, 30))  # 91 days; the previous: 2025-12-31..03-31


@pytest.fixture
def shop(settings):
    """Customers of every kind around Q2 2026 and the period before it (90-day window)."""
    settings.INSIGHTS_INACTIVITY_DAYS = 90
    fibre = Product.objects.create(name="Fibre", slug="fibre")
    router = Product.objects.create(name="Router", slug="router")
    people = {name: customer(name) for name in "abcdefghijkl"}
    a, b, c, d, e, f, g, h, i, j, k, l = people.values()  # noqa: E741
    for who, when, amount, product in [
        (a, at(2025, 11, 20), 80, fibre),  # loyal: orders all along
        (a, at(2026, 2, 10), 60, router),
        (a, at(2026, 5, 5), 40, fibre),
        (a, at(2026, 5, 5, 18), 25, router),  # two orders on one day
        (b, at(2026, 1, 15), 30, fibre),  # one order: lapses during Q2
        (c, at(2026, 4, 2), 90, router),  # new in Q2
        (c, at(2026, 4, 3), -90, router),  # ... and refunded
        (c, at(2026, 6, 1), 45, fibre),
        (d, at(2025, 6, 1), 100, fibre),  # dormant, back in Q2
        (d, at(2026, 6, 20), 10, fibre),
        (e, at(2026, 3, 31, 23, 59), 20, fibre),  # last minute of the previous period
        (e, at(2026, 4, 1, 0, 0), 20, fibre),  # first minute of Q2
        (f, at(2026, 2, 1), -15, fibre),  # refunds only: never a customer
        (g, at(2026, 3, 1), 70, router),  # subscriber who also orders
        (h, at(2026, 7, 2), 55, fibre),  # after Q2: must not count
        (i, at(2025, 10, 1), 35, router),  # subscriber, cancelled, ordered before
        (k, at(2026, 2, 20), 0, fibre),  # free orders only: a customer all the same
        (k, at(2026, 5, 20), 0, router),
        (l, at(2026, 1, 10), 50, fibre),  # paid before Q2, then two free orders in Q2
        (l, at(2026, 6, 10), 0, fibre),
        (l, at(2026, 6, 11), 0, router),
    ]:
        buy(who, when, amount, product=product)
    Subscription.objects.create(customer=g, product=fibre, since=at(2025, 9, 1))
    Subscription.objects.create(
        customer=i,
        product=fibre,
        since=at(2025, 9, 1),
        ended_at=at(2026, 2, 1),
        status=Subscription.Status.CANCELLED,
    )
    Subscription.objects.create(customer=j, product=router, since=at(2026, 5, 1))  # no orders
    return people, fibre, router


def reference(period: Period, segment: Segment) -> dict:
    """The same numbers without the pass: the rule's per-customer expressions for the
    customer counts and one plain query each for the rest."""
    counts = _base_counts(period, segment.customers_qs())
    orders = segment.on_purchases(Purchase.objects.orders())
    spans = [
        (row["last"] - row["first"]).total_seconds() / 86400
        for row in orders.filter(ordered_at__lt=period.end_at)
        .values("customer")
        .annotate(first=Min("ordered_at"), last=Max("ordered_at"))
    ]
    in_period = orders.filter(ordered_at__gte=period.start_at, ordered_at__lt=period.end_at)
    repeat = in_period.values("customer").annotate(n=Count("pk")).filter(n__gt=1).count()
    # revenue of the customers acquired (first order or subscription) before the period
    firsts: dict[int, list] = {}
    for pk, first in Purchase.objects.orders().values_list("customer", "ordered_at"):
        firsts.setdefault(pk, []).append(first)
    for pk, since in Subscription.objects.values_list("customer", "since"):
        firsts.setdefault(pk, []).append(since)
    ids = set(segment.customers_qs().values_list("pk", flat=True))
    existing = [pk for pk, when in firsts.items() if pk in ids and min(when) < period.start_at]
    previous = period.previous()

    def revenue(p: Period) -> float:
        rows = segment.on_purchases(
            Purchase.objects.filter(
                customer__in=existing, ordered_at__gte=p.start_at, ordered_at__lt=p.end_at
            )
        )
        return float(rows.aggregate(s=Sum("amount"))["s"] or 0)

    return {
        **counts,
        "revenue": revenue(period),
        "revenue_before": revenue(previous),
        "repeat": repeat,
        "lifespan_days": sum(spans) / len(spans) if spans else None,
    }


def close(found: dict, expected: dict) -> bool:
    assert found.keys() == expected.keys()
    for key, value in expected.items():
        if value is None or isinstance(value, int):
            assert found[key] == value, key
        else:
            assert found[key] == pytest.approx(value), key
    return True


@pytest.mark.parametrize("segment_of", ["everyone", "fibre", "router"])
def test_the_pass_matches_the_rule_for_the_period_and_the_previous_one(shop, segment_of):
    _people, fibre, router = shop
    segment = {"everyone": Segment(), "fibre": Segment(product=fibre.pk)}.get(
        segment_of, Segment(product=router.pk)
    )
    with shared_queries():
        prime(Q2, segment)  # one pass; the previous period's numbers are remembered
        both = facts(Q2, segment), facts(Q2.previous(), segment)
    assert close(both[0], reference(Q2, segment))
    assert close(both[1], reference(Q2.previous(), segment))
    # and the previous period asked on its own (its own pass) agrees
    assert close(facts(Q2.previous(), segment), both[1])


def test_the_numbers_by_hand(shop):
    # At Apr 1 (window from Jan 1): a (Feb 10), b (Jan 15), e (Mar 31 23:59), g (live
    # subscription), k (free order Feb 20), l (Jan 10) are active: 6; i cancelled. At Jul 1
    # (window from Apr 2): a (May 5), c (Jun 1), d (Jun 20), g, j (live subscriptions), k
    # (free order May 20), l (free orders in June): 7, of whom c and j were acquired in Q2
    # (new: 2); e's last order (Apr 1, 00:00) is one minute too early. Lost: b, e. Repeat
    # in Q2: a (two orders on May 5), c (Apr 2 and Jun 1; the refund is not an order), l
    # (two free orders).
    numbers = facts(Q2, Segment())
    assert (numbers["at_start"], numbers["at_end"], numbers["new"], numbers["lost"]) == (6, 7, 2, 2)
    assert numbers["repeat"] == 3
    # acquired before Q2: a, b, d, e, g, i, k, l. In Q2: a 65 + d 10 + e 20 + k 0 + l 0 = 95;
    # before: a 60 + b 30 + e 20 + g 70 + k 0 + l 50 = 230
    assert (numbers["revenue"], numbers["revenue_before"]) == (pytest.approx(95), 230)
    # the way the dashboard asks (one pass for both periods, shared) gives the same
    with shared_queries():
        prime(Q2, Segment())
        assert facts(Q2, Segment()) == numbers


def ago(days: int, hour: int = 12) -> datetime:
    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def recent(settings):
    """Orders over the last 200 days (30-day window) and a rolled-up history."""
    settings.INSIGHTS_INACTIVITY_DAYS = 30
    people = {name: customer(name) for name in ("ann", "ben", "cat", "dan")}
    for who, days, amount in [
        ("dan", 400, 5),  # the history (and the rollups) cover more than a year
        ("ann", 150, 40),
        ("ann", 20, 30),
        ("ben", 100, 25),  # lapsed
        ("cat", 10, 60),
        ("cat", 3, -20),
    ]:
        buy(people[who], ago(days), amount)
    rollup_run()
    return people


def live(period: Period, settings) -> dict:
    settings.INSIGHTS_ROLLUPS = False
    try:
        return facts(period, Segment())
    finally:
        settings.INSIGHTS_ROLLUPS = True


def test_the_cached_closed_part_takes_in_todays_buyers(recent, settings):
    period = Period.last_days(60)
    assert cache.get(cache_key(period)) is None
    assert close(facts(period, Segment()), live(period, settings))
    assert cache.get(cache_key(period)) is not None  # the closed days' part
    buy(recent["ben"], ago(0, 9), 15)  # lapsed, back today: active again
    buy(customer("eve"), ago(0, 10), 80)  # new today
    buy(customer("eve2"), ago(0, 10), 5)
    buy(recent["cat"], ago(0, 11), -10)  # a refund today
    buy(recent["ann"], ago(0, 11), 12)  # a second order in the period
    expected = live(period, settings)
    # ann, cat (10 days ago), ben, eve, eve2; new: cat, eve, eve2
    assert (expected["at_end"], expected["new"]) == (5, 3)  # the live numbers moved
    assert close(facts(period, Segment()), expected)  # the cached part + today's buyers


def test_a_rerolled_day_is_a_new_state(recent, settings):
    period = Period.last_days(60)
    before = facts(period, Segment())
    buy(recent["dan"], ago(5), 33)  # imported late for a rolled-up day
    assert facts(period, Segment()) == before  # as every rolled-up number: not in yet
    rollup_run(since=timezone.localdate() - timedelta(days=5))
    after = facts(period, Segment())
    assert after["at_end"] == before["at_end"] + 1
    assert close(after, live(period, settings))
    settings.INSIGHTS_INACTIVITY_DAYS = 200  # another rule: another key, not the cached one
    assert close(facts(period, Segment()), live(period, settings))
    assert facts(period, Segment())["at_end"] > after["at_end"]  # ann's and ben's old orders


def test_the_periodic_pass_warms_the_dashboards_periods(recent, settings):
    buy(recent["dan"], ago(0), 10)  # (today's orders are not part of the cached state)
    rollup_pending()  # nothing new to roll (rollup_run did): no warm-up
    assert cache.get(cache_key(Period.last_days(365))) is None
    RollupDay.objects.update(rolled_at=timezone.now() - timedelta(hours=2))
    assert rollup_pending()["replayed"] == 3
    for days in (365, 30):
        assert cache.get(cache_key(Period.last_days(days))) is not None
    warm(days=(7, 500))
    assert cache.get(cache_key(Period.last_days(7))) is not None
    # 500 days reach before the first rolled-up day: live, nothing to keep
    assert cache.get(cache_key(Period.last_days(500))) is None
