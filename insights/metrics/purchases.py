"""Purchase metrics: repeat customer rate, purchase frequency, average order value,
historical customer lifetime value.

An *order* is a purchase with amount >= 0 (``Purchase.ORDER``: a free or fully discounted
order is an order, a refund is not); *revenue* is the sum of all amounts in the period,
refunds (negative amounts) included, so it is net revenue. A *purchasing customer* placed
at least one order in the period.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from insights.metrics import rollup
from insights.metrics.base import Period, Segment, metric, ratio, shared
from insights.metrics.customers import facts
from portal.models import Purchase

DAYS_PER_YEAR = 365.25


def purchases_in(period: Period, segment: Segment):
    return segment.on_purchases(
        Purchase.objects.filter(ordered_at__gte=period.start_at, ordered_at__lt=period.end_at)
    )


def buyers(period: Period, segment: Segment, *, minimum: int = 1) -> QuerySet:
    """The customers (``values("customer")``) with at least ``minimum`` orders in the
    period."""
    return (
        purchases_in(period, segment)
        .orders()
        .order_by()
        .values("customer")
        .annotate(orders=Count("pk"))
        .filter(orders__gte=minimum)
        .values("customer")
    )


def order_totals(period: Period, segment: Segment) -> dict:
    """``orders``, ``revenue`` (net) and ``customers`` (with an order) of the period."""

    def compute() -> dict:
        if (rolled := rollup.order_totals(period, segment)) is not None:
            return rolled
        totals = purchases_in(period, segment).aggregate(
            orders=Count("pk", filter=Purchase.ORDER),
            revenue=Sum("amount"),
            customers=Count("customer", distinct=True, filter=Purchase.ORDER),
        )
        totals["revenue"] = float(totals["revenue"] or 0)
        return totals

    return shared(("orders", period, segment), compute)


@metric(
    "repeat_customer_rate",
    label=_("Repeat customer rate"),
    formula=_("Of the customers who ordered in the period, the share who ordered more than once."),
    unit="rate",
    family="purchases",
)
def repeat_customer_rate(period: Period, segment: Segment) -> float | None:
    """Repeat rate = customers with >= 2 orders in the period / customers with >= 1. (The
    per-customer pass of ``customers.facts`` counts them for its two periods; a period on
    its own runs this query.)"""

    def repeat_customers() -> int:
        return buyers(period, segment, minimum=2).count()

    repeat = shared(("repeat", period, segment), lambda: {"n": repeat_customers()})["n"]
    return ratio(repeat, order_totals(period, segment)["customers"])


@metric(
    "purchase_frequency",
    label=_("Purchase frequency"),
    formula=_("The average number of orders per customer who ordered in the period."),
    unit="number",
    family="purchases",
)
def purchase_frequency(period: Period, segment: Segment) -> float | None:
    """Frequency = orders / purchasing customers, over the period."""
    totals = order_totals(period, segment)
    return ratio(totals["orders"], totals["customers"])


@metric(
    "average_order_value",
    label=_("Average order value"),
    formula=_("Revenue in the period, refunds subtracted, divided by the number of orders."),
    unit="money",
    family="purchases",
)
def average_order_value(period: Period, segment: Segment) -> float | None:
    """AOV = net revenue / orders (refunds lower the revenue but are not orders)."""
    totals = order_totals(period, segment)
    return ratio(totals["revenue"], totals["orders"])


def average_lifespan_years(period: Period, segment: Segment) -> float | None:
    """Mean over customers with an order before the period ends of (last order - first
    order), in years. A customer with a single order has a lifespan of 0. (From the
    per-customer pass that also serves retention: ``customers.facts``.)"""
    days = facts(period, segment)["lifespan_days"]
    return None if days is None else float(days) / DAYS_PER_YEAR


@metric(
    "customer_lifetime_value",
    label=_("Customer lifetime value (historical)"),
    formula=_(
        "What a customer is worth over their time with us: the average order value, times "
        "the orders per customer in a year, times the average years from a customer's "
        "first order to their last."
    ),
    unit="money",
    family="purchases",
)
def customer_lifetime_value(period: Period, segment: Segment) -> float | None:
    """Historical CLV = AOV x F x L: AOV of the period, F = purchase frequency of the period
    scaled to a year (x 365.25 / days in the period), L = average lifespan in years (mean of
    last order - first order over customers with an order up to the period's end)."""
    totals = order_totals(period, segment)
    aov = ratio(totals["revenue"], totals["orders"])
    frequency = ratio(totals["orders"], totals["customers"])
    lifespan = average_lifespan_years(period, segment)
    if aov is None or frequency is None or lifespan is None:
        return None
    return aov * frequency * DAYS_PER_YEAR / period.days * lifespan
