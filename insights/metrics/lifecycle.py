"""Each customer's lifecycle stage at a moment (the end of the period).

Rules, checked in this order (the first that holds wins); "orders" are purchases with
amount >= 0 before the moment (``Purchase.ORDER``: a free order counts, a refund does not):

1. **advocacy**: converted (an order or a subscription) and, in the 365 days before, either
   answered an NPS survey with 9 or 10 or answered someone in the community;
2. **retention**: two orders or more;
3. **conversion**: exactly one order, or a subscription;
4. **acquisition**: no order or subscription, but a portal login (they signed up);
5. **awareness**: a known contact (for instance imported, or a lead) who did none of that.

Customers whose record was created after the moment are not counted, unless they had
ordered or subscribed before it (an import creates records after the fact).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils.translation import gettext_lazy as _

from insights.metrics.base import Segment
from insights.models import Survey, SurveyKind
from portal.models import Interaction, InteractionKind, Purchase, Subscription

STAGES = (
    ("awareness", _("Awareness")),
    ("acquisition", _("Acquisition")),
    ("conversion", _("Conversion")),
    ("retention", _("Retention")),
    ("advocacy", _("Advocacy")),
)
ADVOCACY_WINDOW = timedelta(days=365)


def nth_order(n: int) -> Coalesce:
    """The customer's ``n``-th order (1 or 2): from the rollup's ``CustomerActivity``, or
    looked up live when it has no row or no second order yet (COALESCE evaluates the
    lookup only then)."""
    field = {1: "first_order_at", 2: "second_order_at"}[n]
    return Coalesce(
        F(f"insights_activity__{field}"),
        Subquery(
            Purchase.objects.orders()
            .filter(customer=OuterRef("pk"))
            .order_by("ordered_at", "pk")
            .values("ordered_at")[n - 1 : n],
            output_field=DateTimeField(),
        ),
        output_field=DateTimeField(),
    )


def with_stage(customers: QuerySet, at: datetime) -> QuerySet:
    """``customers`` annotated with ``stage`` (one of ``STAGES``) at ``at``."""
    ordered = Q(LessThan(nth_order(1), Value(at)))  # at least one order before ``at``
    repeated = Q(LessThan(nth_order(2), Value(at)))  # at least two
    subscribed = Q(Exists(Subscription.objects.filter(customer=OuterRef("pk"), since__lt=at)))
    window = {"answered_at__lt": at, "answered_at__gte": at - ADVOCACY_WINDOW}
    promoter = Q(
        pk__in=Survey.objects.filter(kind=SurveyKind.NPS, score__gte=9, **window).values("customer")
    )
    helper = Q(
        pk__in=Interaction.objects.filter(
            kind=InteractionKind.FORUM_ANSWER,
            occurred_at__lt=at,
            occurred_at__gte=at - ADVOCACY_WINDOW,
            customer__isnull=False,
        ).values("customer")
    )
    converted = ordered | subscribed
    return customers.filter(converted | Q(created_at__lt=at)).annotate(
        stage=Case(
            When(converted & (promoter | helper), then=Value("advocacy")),
            When(repeated, then=Value("retention")),
            When(converted, then=Value("conversion")),
            When(user__isnull=False, then=Value("acquisition")),
            default=Value("awareness"),
            output_field=CharField(),
        )
    )


def lifecycle_counts(at: datetime, segment: Segment) -> dict[str, int]:
    """Customers per stage at ``at`` (every stage present, 0 when empty)."""
    rows = with_stage(segment.customers_qs(), at).order_by().values("stage").annotate(n=Count("pk"))
    found = {row["stage"]: row["n"] for row in rows}
    return {key: found.get(key, 0) for key, _label in STAGES}
