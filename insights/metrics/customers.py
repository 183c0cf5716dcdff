"""Customer base metrics: retention rate, churn rate, net revenue retention.

**Who is a customer at a moment t** (the rule every metric here uses):

- *acquired* at the earlier of their first order (a purchase with amount >= 0,
  ``Purchase.ORDER``: free orders count) and the start of their first subscription;
- *active at t* when acquired before t and either
  (a) a subscription is live at t (started before t, not ended by t), or
  (b) their last order before t is within ``INSIGHTS_INACTIVITY_DAYS`` of t **and** later
      than their last explicit cancellation (a subscription cancelled before t);
- *lost at t* when they were active at the start of the period and are not active at t:
  they cancelled explicitly (and did not order again), or stopped ordering for longer than
  the inactivity window.

Refunds (negative amounts) are not orders: they never keep a customer active.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from insights.metrics import rollup
from insights.metrics.base import (
    EVERYONE,
    Period,
    Segment,
    inactivity_window,
    metric,
    ratio,
    remember,
    shared,
    shared_queries,
)
from insights.metrics.customer_pass import cached_pass
from portal.models import Purchase, Subscription


def _last_order_before(at: datetime) -> Subquery:
    return Subquery(
        Purchase.objects.orders()
        .filter(customer=OuterRef("pk"), ordered_at__lt=at)
        .order_by("-ordered_at")
        .values("ordered_at")[:1],
        output_field=DateTimeField(),
    )


def _last_cancel_before(at: datetime) -> Subquery:
    return Subquery(
        Subscription.objects.filter(
            customer=OuterRef("pk"),
            status=Subscription.Status.CANCELLED,
            ended_at__lt=at,
        )
        .order_by("-ended_at")
        .values("ended_at")[:1],
        output_field=DateTimeField(),
    )


def _live_subscription(at: datetime) -> Exists:
    return Exists(
        Subscription.objects.filter(customer=OuterRef("pk"), since__lt=at)
        .filter(Q(ended_at__gte=at) | Q(ended_at__isnull=True))
        .exclude(status=Subscription.Status.CANCELLED, ended_at__isnull=True)
    )


def acquired_at() -> tuple[Case, dict]:
    """When the customer became a customer (first order or first subscription; NULL if
    never): the expression and the annotations it refers to (annotate those first)."""
    # The rollup keeps each customer's first order (``CustomerActivity``); a customer whose
    # first order is not rolled up yet is looked up live (COALESCE evaluates it only then).
    first_order = Coalesce(
        F("insights_activity__first_order_at"),
        Subquery(
            Purchase.objects.orders()
            .filter(customer=OuterRef("pk"))
            .order_by("ordered_at")
            .values("ordered_at")[:1],
            output_field=DateTimeField(),
        ),
        output_field=DateTimeField(),
    )
    first_subscription = Subquery(
        Subscription.objects.filter(customer=OuterRef("pk")).order_by("since").values("since")[:1],
        output_field=DateTimeField(),
    )
    # LEAST ignores NULLs on PostgreSQL but returns NULL on SQLite: take each one when the
    # other is missing.
    return Case(
        When(Q(first_order__isnull=True), then=first_subscription),
        When(Q(first_subscription__isnull=True), then=first_order),
        default=Least(first_order, first_subscription),
        output_field=DateTimeField(),
    ), {"first_order": first_order, "first_subscription": first_subscription}


def active_condition(at: datetime, name: str) -> Case:
    """True when the customer (the outer row) is active at ``at`` (the rule above), as one
    expression written for a large base: the live subscriptions, the cancellations and the
    orders of the inactivity window are each one set (a hashed semi-join: one scan, then
    a probe per customer); the exact last order is looked up only for customers with a
    cancelled subscription (``CASE`` evaluates it only for them)."""
    window_start = at - inactivity_window()
    live = (
        Subscription.objects.filter(since__lt=at)
        .filter(Q(ended_at__gte=at) | Q(ended_at__isnull=True))
        .exclude(status=Subscription.Status.CANCELLED, ended_at__isnull=True)
    )
    cancelled = Subscription.objects.filter(
        status=Subscription.Status.CANCELLED, ended_at__lt=at
    ).values("customer")
    in_window = (
        Purchase.objects.orders()
        .filter(ordered_at__gte=window_start, ordered_at__lt=at)
        .values("customer")
    )
    last_order = _last_order_before(at)
    return Case(
        When(pk__in=live.values("customer"), then=Value(True)),
        When(
            ~Q(pk__in=cancelled),
            then=ExpressionWrapper(Q(pk__in=in_window), output_field=BooleanField()),
        ),
        When(  # cancelled before: ordered again after the (last) cancellation
            Q(GreaterThan(last_order, _last_cancel_before(at)))
            & Q(GreaterThanOrEqual(last_order, Value(window_start))),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


def with_active_flag(customers: QuerySet, at: datetime, name: str) -> QuerySet:
    """Alias ``<name>`` = True/False (never NULL: SQL's NOT of a NULL comparison is NULL,
    which would drop a customer without orders from "not active")."""
    return customers.annotate(**{name: active_condition(at, name)})


def active_customers(at: datetime, segment: Segment) -> QuerySet:
    """The segment's customers active at ``at``."""
    return with_active_flag(segment.customers_qs(), at, "a").filter(a=True)


def facts(period: Period, segment: Segment) -> dict:
    """The period's per-customer numbers for the whole segment: ``at_start``, ``at_end``,
    ``new``, ``lost``, ``revenue``, ``revenue_before``, ``repeat`` and ``lifespan_days``
    (``None`` without orders). Inside ``shared_queries`` one pass serves the period and
    the previous one."""
    return shared(("facts", period, segment), lambda: prime(period, segment)[period])


def prime(period: Period, segment: Segment) -> dict:
    """Compute ``facts`` for ``period`` and the previous one and remember them (the
    dashboard calls it before its tiles): ``customer_pass.order_pass`` over the customers
    without a subscription, plus those with one."""
    subscribers = segment.customers_qs().filter(pk__in=Subscription.objects.values("customer"))
    if not subscribers.exists():
        results = cached_pass(period, segment)
    else:
        results = cached_pass(period, segment, subscribers=False)
        theirs = cached_pass(period, segment, subscribers=True)
        for window, result in results.items():
            for key in ("repeat", "spans", "spanned"):
                result[key] += theirs[window][key]
            _add_subscribers(result, window, subscribers, segment)
    for window, result in results.items():
        spanned = result.pop("spanned")
        result["lifespan_days"] = result.pop("spans") / spanned if spanned else None
        remember(("facts", window, segment), result)
        remember(("repeat", window, segment), {"n": result["repeat"]})
    return results


def warm(days: tuple[int, ...] = (365, 30)) -> None:
    """Compute the per-customer pass of the last ``days`` days (everyone) into the cache:
    the admin dashboard's default period and ``metrics``' (the periodic rollup task calls
    this when it has rolled something up, i.e. when the cached state changed)."""
    with shared_queries():
        for n in days:
            period = Period.last_days(n)
            if rollup.usable(period, EVERYONE) is not None:  # else nothing would be cached
                prime(period, EVERYONE)


def _add_subscribers(result: dict, period: Period, subscribers: QuerySet, segment: Segment):
    """Add the active, new and lost customers with a subscription and their revenue, by
    the rule's per-customer expressions."""
    for key, n in _base_counts(period, subscribers).items():
        result[key] += n
    acquired, parts = acquired_at()
    existing = (
        subscribers.alias(**parts).alias(acquired=acquired).filter(acquired__lt=period.start_at)
    )
    previous = period.previous()
    sums = segment.on_purchases(
        Purchase.objects.filter(
            customer__in=existing.values("pk"),
            ordered_at__gte=previous.start_at,
            ordered_at__lt=period.end_at,
        )
    ).aggregate(
        now=Sum("amount", filter=Q(ordered_at__gte=period.start_at)),
        before=Sum("amount", filter=Q(ordered_at__lt=period.start_at)),
    )
    result["revenue"] += float(sums["now"] or 0)
    result["revenue_before"] += float(sums["before"] or 0)


def with_period_flags(customers: QuerySet, period: Period) -> QuerySet:
    """``customers`` annotated with the rule's flags for the period: ``s`` active at the
    start, ``e`` active at the end, ``new`` acquired during it (the base counts and the
    drill-downs to the customers behind them)."""
    start, end = period.start_at, period.end_at
    acquired, parts = acquired_at()
    customers = with_active_flag(customers, start, "s")
    customers = with_active_flag(customers, end, "e").alias(**parts).alias(acquired=acquired)
    return customers.annotate(
        new=ExpressionWrapper(Q(acquired__gte=start, acquired__lt=end), BooleanField())
    )


def _base_counts(period: Period, customers: QuerySet) -> dict[str, int]:
    """``at_start``, ``at_end``, ``new`` (acquired in the period, active at the end) and
    ``lost`` (active at the start, not at the end) among ``customers``, by the rule's
    per-customer expressions, in one query."""
    customers = with_period_flags(customers, period)
    # one row per combination of the three flags (each computed once per customer)
    counts = {"at_start": 0, "at_end": 0, "new": 0, "lost": 0}
    for row in customers.order_by().values("s", "e", "new").annotate(n=Count("pk")):
        started, ended, new = row["s"], row["e"], bool(row["new"])
        counts["at_start"] += row["n"] if started else 0
        counts["at_end"] += row["n"] if ended else 0
        counts["new"] += row["n"] if ended and new else 0
        counts["lost"] += row["n"] if started and not ended else 0
    return counts


@metric(
    "retention_rate",
    label=_("Customer retention rate"),
    formula=_(
        "Of the customers active at the start of the period, the share still active at its "
        "end (customers won during the period do not count)."
    ),
    unit="rate",
    family="customers",
)
def retention_rate(period: Period, segment: Segment) -> float | None:
    """Retention = (E - N) / S: S active customers at the start, E at the end, N of those
    acquired during the period. No customers at the start: ``None``."""
    counts = facts(period, segment)
    return ratio(counts["at_end"] - counts["new"], counts["at_start"])


@metric(
    "churn_rate",
    label=_("Churn rate"),
    formula=_(
        "Of the customers active at the start of the period, the share lost by its end: "
        "they cancelled, or have not ordered within the inactivity window."
    ),
    unit="rate",
    family="customers",
    higher_is_better=False,
)
def churn_rate(period: Period, segment: Segment) -> float | None:
    """Churn = L / S: S active customers at the start, L of them not active at the end
    (cancelled, or no order within ``INSIGHTS_INACTIVITY_DAYS``)."""
    counts = facts(period, segment)
    return ratio(counts["lost"], counts["at_start"])


@metric(
    "net_revenue_retention",
    label=_("Net revenue retention"),
    formula=_(
        "What customers won before the period spent in it (refunds subtracted), compared "
        "with what they spent in the same length of time before it; above 100% they spend "
        "more than before."
    ),
    unit="rate",
    family="customers",
)
def net_revenue_retention(period: Period, segment: Segment) -> float | None:
    """NRR = R₁ / R₀ over customers acquired before the period starts: R₁ their net revenue
    (refunds included) in the period, R₀ in the previous period of the same length. It
    exceeds 1 when existing customers spend more (expansion outweighs churn)."""
    sums = facts(period, segment)
    if sums["revenue_before"] <= 0:
        return None
    return sums["revenue"] / sums["revenue_before"]
