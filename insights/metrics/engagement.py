"""Engagement across channels: interactions per active customer, overall and by channel.

An *active customer* here is one with at least one interaction in the period (any channel,
any kind); interactions of anonymous visitors are not counted.
"""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from insights.metrics import rollup
from insights.metrics.base import Period, Segment, metric, ratio
from portal.models import Channel, Interaction


def interactions_in(period: Period, segment: Segment):
    return segment.on_interactions(
        Interaction.objects.filter(
            occurred_at__gte=period.start_at,
            occurred_at__lt=period.end_at,
            customer__isnull=False,
        )
    )


@metric(
    "engagement",
    label=_("Engagement"),
    formula=_(
        "The average number of interactions, on any channel, per customer who interacted "
        "with us in the period."
    ),
    unit="number",
    family="engagement",
)
def engagement(period: Period, segment: Segment) -> float | None:
    """Engagement = interactions of customers / distinct customers who interacted."""
    if (rolled := rollup.kind_counts(period, segment)) is not None:
        interactions = sum(row["customer_interactions"] for row in rolled.values())
        return ratio(interactions, rollup.active_customers(period, segment))
    totals = interactions_in(period, segment).aggregate(
        interactions=Count("pk"), customers=Count("customer", distinct=True)
    )
    return ratio(totals["interactions"], totals["customers"])


def engagement_by_channel(period: Period, segment: Segment) -> list[dict]:
    """Per channel: interactions, customers on that channel, and interactions per active
    customer (the denominator is every customer active in the period on any channel, so the
    channels add up to ``engagement``)."""
    labels = dict(Channel.choices)
    if (rolled := rollup.channel_rows(period, segment)) is not None:
        active, rows = rolled
        rows.sort(key=lambda row: (-row["interactions"], row["channel"]))
    else:
        queryset = interactions_in(period, segment)
        active = queryset.aggregate(n=Count("customer", distinct=True))["n"]
        rows = (
            queryset.order_by()
            .values("channel")
            .annotate(interactions=Count("pk"), customers=Count("customer", distinct=True))
            .order_by("-interactions", "channel")
        )
    return [
        {
            "channel": row["channel"],
            "label": str(labels.get(row["channel"], row["channel"])),
            "interactions": row["interactions"],
            "customers": row["customers"],
            "per_active_customer": ratio(row["interactions"], active),
        }
        for row in rows
    ]
