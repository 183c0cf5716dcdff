"""One pass over the purchases for the per-customer numbers of a period and the one before.

Retention, churn, net revenue retention, the repeat customer rate and the average lifespan
all ask about each customer at a few moments: their first order, their last order before
the start and before the end, their orders and net revenue in each period. Asked one
metric at a time, each is its own walk over every customer's purchases; here they are one
``GROUP BY customer`` with a conditional aggregate per question (``MAX(ordered_at) FILTER
(WHERE ...)``) under an outer aggregate that counts the customers answering yes. The tiles
compare a period with the previous one, so one pass answers both. (Each conditional
aggregate costs a little on every purchase: the pass keeps to the nine the two periods
need.)

Who is active also depends on subscriptions, which this pass does not read, so it runs
over the customers without a subscription; ``customers.facts`` adds those with one (the
two groups partition the segment): their active, new and lost customers and revenue from
its per-customer expressions, their repeat customers and lifespans from a second pass
over their orders only (none when nobody subscribes).

The part of the closed days does not change until the rollups do (a back-dated purchase
is counted when its day is rolled up again, as for every rolled-up metric), so
``cached_pass`` keeps it in the cache under the rollups' state and adds today's buyers
live; the periodic rollup task computes the dashboard's default periods right after it
rolls up (``customers.warm``), so the first visitor of the day does not wait for the pass.

With a product segment, the customers are the product's (``Segment.on_rows``) and whether
they are active reads all their orders, as everywhere in ``customers``; repeat customers,
lifespans and revenue count only the product's orders, as in ``purchases``.
"""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, F, FloatField, Max, Min, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from insights.metrics import rollup
from insights.metrics.base import Days, Period, Segment, inactivity_window
from insights.models import RollupDay
from portal.models import Customer, Purchase, Subscription

ORDER = Purchase.ORDER  # amount >= 0: free orders are orders, refunds are not
CACHE_SECONDS = 2 * 24 * 3600  # a key names the rollups' state: a newer state is a new key
# Revenue summed as floating point: NRR is a ratio, and adding a million decimals took
# 0.4 s of the pass (a third) on PostgreSQL.
AMOUNT = Cast("amount", FloatField())


def _between(start: datetime, end: datetime) -> Q:
    return Q(ordered_at__gte=start, ordered_at__lt=end)


def order_pass(
    period: Period,
    segment: Segment,
    *,
    subscribers: bool | None = None,
    before: datetime | None = None,
) -> dict:
    """For ``period`` and the previous one, over the segment's customers (with
    ``subscribers`` False only those without a subscription, True only those with one):
    ``at_start``, ``at_end``, ``new``, ``lost``, ``revenue``/``revenue_before`` (net
    revenue of the customers acquired before the period, in it and in the previous one),
    ``repeat`` (customers with more than one order in the period) and ``spans``/``spanned``
    (the sum of first-to-last order days over the customers with an order before the end,
    and how many they are). Only the order-based numbers hold for subscribers (see the
    module's note). With ``before``, only the purchases before it are read (the moments
    stay the period's)."""
    previous = period.previous()
    until = min(before, period.end_at) if before else period.end_at
    rows = segment.on_rows(Purchase.objects.filter(ordered_at__lt=until))
    if subscribers is not None:
        with_subscription = Q(customer__in=Subscription.objects.values("customer"))
        rows = rows.filter(with_subscription if subscribers else ~with_subscription)
    row = (
        rows.order_by()
        .values("customer")
        .annotate(**_per_customer(period, segment))
        .aggregate(**_totals(period, lifespans="mine_" if segment.product else ""))
    )
    return {
        window: {
            "at_start": row[f"{name}_at_start"],
            "at_end": row[f"{name}_at_end"],
            "new": row[f"{name}_new"],
            "lost": row[f"{name}_lost"],
            "revenue": float(row[f"{name}_revenue"] or 0),
            "revenue_before": float(row[f"{name}_revenue_before"] or 0),
            "repeat": row[f"{name}_repeat"],
            "spans": float(row[f"{name}_spans"] or 0),
            "spanned": row[f"{name}_spanned"],
        }
        for name, window in (("p", period), ("q", previous))
    }


def cached_pass(period: Period, segment: Segment, *, subscribers: bool | None = None) -> dict:
    """``order_pass``, with the part of the closed days kept in the cache until the rollups
    change, plus today's live part: the customers who bought today are taken out of the
    cached totals (their rows as of last midnight) and put back with today's orders (every
    total is a sum over customers, so this is exact). Only where the rollups serve the
    period (everyone, every closed day rolled up); elsewhere a plain ``order_pass``."""
    if rollup.usable(period, segment) is None:
        return order_pass(period, segment, subscribers=subscribers)
    today = timezone.localdate()
    midnight = Period(today, today).start_at
    key = cache_key(period, subscribers)
    closed = cache.get(key)
    if closed is None:
        closed = order_pass(period, segment, subscribers=subscribers, before=midnight)
        cache.set(key, closed, timeout=CACHE_SECONDS)
    if period.end_at <= midnight:
        return closed
    buyers = Purchase.objects.filter(ordered_at__gte=midnight, ordered_at__lt=period.end_at)
    theirs = Segment(customers=Customer.objects.filter(pk__in=buyers.values("customer")))
    old = order_pass(period, theirs, subscribers=subscribers, before=midnight)
    new = order_pass(period, theirs, subscribers=subscribers)
    return {
        window: {key: value - old[window][key] + new[window][key] for key, value in numbers.items()}
        for window, numbers in closed.items()
    }


def cache_key(period: Period, subscribers: bool | None = None) -> str:
    """The closed part's key: the period, the group, the inactivity window and the rollups'
    state (how many days, the latest rolled at), which any (re-)rolled day changes."""
    stamp = RollupDay.objects.aggregate(n=Count("pk"), last=Max("rolled_at"))
    last = stamp["last"].isoformat() if stamp["last"] else "-"
    window = inactivity_window().days
    return f"insights:pass:{period}:{subscribers}:{window}:{stamp['n']}:{last}"


def _per_customer(period: Period, segment: Segment) -> dict:
    """The inner ``GROUP BY customer``'s columns (``mine``: the segment's product, if any)."""
    previous = period.previous()
    q0, p0 = previous.start_at, period.start_at
    mine = Q(product_id=segment.product) if segment.product else Q()
    columns = {
        "first": Min("ordered_at", filter=ORDER),
        "last_q0": Max("ordered_at", filter=ORDER & Q(ordered_at__lt=q0)),
        "last_p0": Max("ordered_at", filter=ORDER & Q(ordered_at__lt=p0)),
        "last_p1": Max("ordered_at", filter=ORDER),
        "orders_q": Count("pk", filter=ORDER & mine & _between(q0, p0)),
        "orders_p": Count("pk", filter=ORDER & mine & Q(ordered_at__gte=p0)),
        "revenue_r": Sum(AMOUNT, filter=mine & _between(previous.previous().start_at, q0)),
        "revenue_q": Sum(AMOUNT, filter=mine & _between(q0, p0)),
        "revenue_p": Sum(AMOUNT, filter=mine & Q(ordered_at__gte=p0)),
    }
    if segment.product:  # lifespans of the product's orders
        columns |= {
            "mine_first": Min("ordered_at", filter=ORDER & mine),
            "mine_last_p0": Max("ordered_at", filter=ORDER & mine & Q(ordered_at__lt=p0)),
            "mine_last_p1": Max("ordered_at", filter=ORDER & mine),
        }
    return columns


def _totals(period: Period, lifespans: str) -> dict:
    """The outer aggregate: per period the customer counts, revenue and lifespans
    (``lifespans``: the prefix of the columns they read). It counts ``last_p1``, which
    every customer with an order has: counting ``customer`` would make Django group the
    inner query by a second copy of it, a third slower."""
    gap = inactivity_window()
    totals: dict = {}
    for name, start, end, last_start, last_end, before in (
        ("p", period.start_at, period.end_at, "last_p0", "last_p1", "revenue_q"),
        ("q", period.previous().start_at, period.start_at, "last_q0", "last_p0", "revenue_r"),
    ):
        active_start = Q(**{f"{last_start}__gte": start - gap})
        active_end = Q(**{f"{last_end}__gte": end - gap})
        existing = Q(first__lt=start)
        span = Days(F(f"{lifespans}{last_end}")) - Days(F(f"{lifespans}first"))
        totals |= {
            f"{name}_at_start": Count("last_p1", filter=active_start),
            f"{name}_at_end": Count("last_p1", filter=active_end),
            f"{name}_new": Count("last_p1", filter=active_end & Q(first__gte=start)),
            f"{name}_lost": Count("last_p1", filter=active_start & ~active_end),
            f"{name}_revenue": Sum(f"revenue_{name}", filter=existing),
            f"{name}_revenue_before": Sum(before, filter=existing),
            f"{name}_repeat": Count("last_p1", filter=Q(**{f"orders_{name}__gt": 1})),
            f"{name}_spans": Sum(span),
            f"{name}_spanned": Count(span),
        }
    return totals
