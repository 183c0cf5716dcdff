"""Customer base metrics: retention rate, churn rate, net revenue retention.

**Who is a customer at a moment t** (the rule every metric here uses):

- *acquired* at the earlier of their first order (a purchase with a positive amount) and the
  start of their first subscription;
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
from django.utils.translation import gettext_lazy as _

from insights.metrics.base import Period, Segment, inactivity_window, metric, ratio, shared
from portal.models import Purchase, Subscription


def _last_order_before(at: datetime) -> Subquery:
    return Subquery(
        Purchase.objects.filter(customer=OuterRef("pk"), amount__gt=0, ordered_at__lt=at)
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
            Purchase.objects.filter(customer=OuterRef("pk"), amount__gt=0)
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


def with_activity(customers: QuerySet, at: datetime, name: str) -> QuerySet:
    """Annotate ``customers`` with ``<name>`` (bool) = active at ``at`` (rule above)."""
    last_order, last_cancel = f"{name}_last_order", f"{name}_last_cancel"
    return customers.annotate(
        **{
            last_order: _last_order_before(at),
            last_cancel: _last_cancel_before(at),
            f"{name}_live": _live_subscription(at),
        }
    )


def active_q(at: datetime, name: str) -> Q:
    last_order, last_cancel = f"{name}_last_order", f"{name}_last_cancel"
    ordering = Q(**{f"{last_order}__gte": at - inactivity_window()}) & (
        Q(**{f"{last_cancel}__isnull": True}) | Q(**{f"{last_order}__gt": F(last_cancel)})
    )
    return Q(**{f"{name}_live": True}) | ordering


def with_active_flag(customers: QuerySet, at: datetime, name: str) -> QuerySet:
    """Annotate ``<name>`` = True/False (never NULL: SQL's NOT of a NULL comparison is NULL,
    which would drop a customer without orders from "not active")."""
    return with_activity(customers, at, name).annotate(
        **{
            name: Case(
                When(active_q(at, name), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        }
    )


def active_customers(at: datetime, segment: Segment) -> QuerySet:
    """The segment's customers active at ``at``."""
    return with_active_flag(segment.customers_qs(), at, "a").filter(a=True)


def base_counts(period: Period, segment: Segment) -> dict[str, int]:
    """``at_start``, ``at_end``, ``new`` (acquired in the period, active at the end) and
    ``lost`` (active at the start, not at the end), in one query (shared by retention and
    churn inside ``shared_queries``)."""
    return shared(("base", period, segment), lambda: _base_counts(period, segment))


def _base_counts(period: Period, segment: Segment) -> dict[str, int]:
    start, end = period.start_at, period.end_at
    acquired, parts = acquired_at()
    customers = with_active_flag(segment.customers_qs(), start, "s")
    customers = with_active_flag(customers, end, "e").annotate(**parts).annotate(acquired=acquired)
    new = Q(acquired__gte=start, acquired__lt=end)
    return customers.aggregate(
        at_start=Count("pk", filter=Q(s=True)),
        at_end=Count("pk", filter=Q(e=True)),
        new=Count("pk", filter=Q(e=True) & new),
        lost=Count("pk", filter=Q(s=True, e=False)),
    )


@metric(
    "retention_rate",
    label=_("Customer retention rate"),
    formula=_("(customers at end - new customers) / customers at start"),
    unit="rate",
    family="customers",
)
def retention_rate(period: Period, segment: Segment) -> float | None:
    """Retention = (E - N) / S: S active customers at the start, E at the end, N of those
    acquired during the period. No customers at the start: ``None``."""
    counts = base_counts(period, segment)
    return ratio(counts["at_end"] - counts["new"], counts["at_start"])


@metric(
    "churn_rate",
    label=_("Churn rate"),
    formula=_(
        "customers lost / customers at start; lost = explicit cancellation or no order "
        "within the inactivity window"
    ),
    unit="rate",
    family="customers",
    higher_is_better=False,
)
def churn_rate(period: Period, segment: Segment) -> float | None:
    """Churn = L / S: S active customers at the start, L of them not active at the end
    (cancelled, or no order within ``INSIGHTS_INACTIVITY_DAYS``)."""
    counts = base_counts(period, segment)
    return ratio(counts["lost"], counts["at_start"])


@metric(
    "net_revenue_retention",
    label=_("Net revenue retention"),
    formula=_(
        "net revenue in the period from customers acquired before it / their net revenue "
        "in the previous period of the same length"
    ),
    unit="rate",
    family="customers",
)
def net_revenue_retention(period: Period, segment: Segment) -> float | None:
    """NRR = R₁ / R₀ over customers acquired before the period starts: R₁ their net revenue
    (refunds included) in the period, R₀ in the previous period of the same length. It
    exceeds 1 when existing customers spend more (expansion outweighs churn)."""
    previous = period.previous()
    acquired, parts = acquired_at()
    existing = (
        segment.customers_qs()
        .annotate(**parts)
        .annotate(acquired=acquired)
        .filter(acquired__lt=period.start_at)
        .values("pk")
    )
    purchases = segment.on_purchases(
        Purchase.objects.filter(
            customer__in=existing, ordered_at__gte=previous.start_at, ordered_at__lt=period.end_at
        )
    )
    sums = purchases.aggregate(
        now=Sum("amount", filter=Q(ordered_at__gte=period.start_at)),
        before=Sum("amount", filter=Q(ordered_at__lt=period.start_at)),
    )
    if not sums["before"] or sums["before"] <= 0:
        return None
    return float(sums["now"] or 0) / float(sums["before"])
