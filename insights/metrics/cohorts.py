"""Monthly cohort retention.

A customer's cohort is the month of their first order (``Purchase.ORDER``: amount >= 0, a
free order included). For each cohort whose month lies in the period, ``retention[k]`` =
customers of the cohort with an order in month *cohort + k* / customers in the cohort (so
``retention[0]`` is always 1), for every month up to the period's end. Months are calendar
months in the site's time zone.

The last month of the table is *partial* when it is not over: it is still running (it holds
today) or the period ends before its last day. Its retention counts only the orders so far
and can only grow, so each row says so (``partial``: its last ``retention`` value is of a
partial month) and the report labels that cell "partial" instead of showing it as a final
(often 0%) retention.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, DateTimeField, F, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from insights.metrics.base import Period, Segment, month_start, next_month
from insights.metrics.lifecycle import nth_order
from portal.models import Purchase


def _months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _as_month(value) -> date:
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return date(value.year, value.month, 1)


def last_month_is_partial(period: Period, *, today: date | None = None) -> bool:
    """Whether the period's last month is not over: the period stops before the month's
    last day, or that last day is today or later (today is not over)."""
    today = today or timezone.localdate()
    last_day = next_month(month_start(period.end)) - timedelta(days=1)
    return period.end < last_day or last_day >= today


def cohort_retention(period: Period, segment: Segment) -> list[dict]:
    """One row per cohort month: ``cohort`` (date), ``size``, ``retention`` (fractions by
    months since the first order, up to the period's end) and ``partial`` (the last
    month, whose retention is the last value, is not over: ``last_month_is_partial``)."""
    first_order = Coalesce(  # the rollup's first order, else looked up live
        F("customer__insights_activity__first_order_at"),
        Subquery(
            Purchase.objects.orders()
            .filter(customer=OuterRef("customer"))
            .order_by()
            .values("customer")
            .annotate(first=Min("ordered_at"))
            .values("first"),
            output_field=DateTimeField(),
        ),
        output_field=DateTimeField(),
    )
    # only the orders of the cohorts' customers (first order in the period's months)
    cohort_customers = (
        segment.customers_qs()
        .alias(first=nth_order(1))
        .filter(first__gte=_aware(month_start(period.start)), first__lt=period.end_at)
        .values("pk")
    )
    orders = segment.on_purchases(
        Purchase.objects.orders().filter(
            ordered_at__lt=period.end_at, customer__in=cohort_customers
        )
    )
    rows = (
        orders.annotate(first=first_order)
        .filter(first__gte=_aware(month_start(period.start)), first__lt=period.end_at)
        .annotate(cohort=TruncMonth("first"), month=TruncMonth("ordered_at"))
        .order_by()
        .values("cohort", "month")
        .annotate(customers=Count("customer", distinct=True))
    )
    counts: dict[date, dict[int, int]] = {}
    for row in rows:  # one row per (cohort, month): at most months² rows, not per order
        cohort = _as_month(row["cohort"])
        offset = _months_between(cohort, _as_month(row["month"]))
        counts.setdefault(cohort, {})[offset] = row["customers"]
    last = month_start(period.end)
    partial = last_month_is_partial(period)
    table = []
    for cohort in sorted(counts):
        size = counts[cohort].get(0, 0)
        span = _months_between(cohort, last) + 1
        table.append(
            {
                "cohort": cohort,
                "size": size,
                "retention": [
                    (counts[cohort].get(k, 0) / size) if size else None for k in range(span)
                ],
                "partial": partial,
            }
        )
    return table


def cohort_months(period: Period) -> list[date]:
    months, month = [], month_start(period.start)
    while month <= period.end:
        months.append(month)
        month = next_month(month)
    return months
