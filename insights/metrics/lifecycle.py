"""Each customer's lifecycle stage at a moment (the end of the period).

Rules, checked in this order (the first that holds wins); "orders" are purchases with a
positive amount before the moment:

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
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
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


def with_stage(customers: QuerySet, at: datetime) -> QuerySet:
    """``customers`` annotated with ``stage`` (one of ``STAGES``) at ``at``."""
    orders = Coalesce(
        Subquery(
            Purchase.objects.filter(customer=OuterRef("pk"), amount__gt=0, ordered_at__lt=at)
            .order_by()
            .values("customer")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )
    subscribed = Exists(Subscription.objects.filter(customer=OuterRef("pk"), since__lt=at))
    promoter = Exists(
        Survey.objects.filter(
            customer=OuterRef("pk"),
            kind=SurveyKind.NPS,
            score__gte=9,
            answered_at__lt=at,
            answered_at__gte=at - ADVOCACY_WINDOW,
        )
    )
    helper = Exists(
        Interaction.objects.filter(
            customer=OuterRef("pk"),
            kind=InteractionKind.FORUM_ANSWER,
            occurred_at__lt=at,
            occurred_at__gte=at - ADVOCACY_WINDOW,
        )
    )
    converted = Q(orders__gte=1) | Q(subscribed=True)
    return (
        customers.annotate(orders=orders, subscribed=subscribed, promoter=promoter, helper=helper)
        .filter(converted | Q(created_at__lt=at))
        .annotate(
            stage=Case(
                When(converted & (Q(promoter=True) | Q(helper=True)), then=Value("advocacy")),
                When(orders__gte=2, then=Value("retention")),
                When(converted, then=Value("conversion")),
                When(user__isnull=False, then=Value("acquisition")),
                default=Value("awareness"),
                output_field=CharField(),
            )
        )
    )


def lifecycle_counts(at: datetime, segment: Segment) -> dict[str, int]:
    """Customers per stage at ``at`` (every stage present, 0 when empty)."""
    rows = with_stage(segment.customers_qs(), at).order_by().values("stage").annotate(n=Count("pk"))
    found = {row["stage"]: row["n"] for row in rows}
    return {key: found.get(key, 0) for key, _label in STAGES}
