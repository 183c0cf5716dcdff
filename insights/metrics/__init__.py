"""The metric engine: every loyalty, engagement and service metric over a period and a
segment, computed by the database.

One module per family registers its metrics (``base.metric``) with a label, a unit and the
formula shown on the report page; ``REGISTRY`` keeps them in report order. ``report()``
computes them all (and the tables) for ``metrics --json``, the API and the admin report.
"""

from __future__ import annotations

from insights.metrics import (  # noqa: F401  (registration order = report order)
    customers,
    engagement,
    followups,
    loyalty,
    purchases,
    service,
    surveys,
)
from insights.metrics.base import (
    EVERYONE,
    REGISTRY,
    Metric,
    Period,
    Segment,
    loyalty_tier_choices,
    shared_queries,
)
from insights.metrics.cohorts import cohort_retention
from insights.metrics.engagement import engagement_by_channel
from insights.metrics.incidents import incident_impact
from insights.metrics.lifecycle import lifecycle_counts
from insights.metrics.loyalty import by_loyalty_tier

#: The report's order (surveys first, then customers, purchases, engagement, service).
ORDER = (
    "nps",
    "csat",
    "ces",
    "followup_rate",
    "followup_first_contact_hours",
    "nps_next_after_followup",
    "nps_next_without_followup",
    "customer_loyalty_index",
    "share_of_wallet",
    "retention_rate",
    "churn_rate",
    "net_revenue_retention",
    "repeat_customer_rate",
    "purchase_frequency",
    "average_order_value",
    "customer_lifetime_value",
    "engagement",
    "deflection_rate",
    "catalogue_automation_rate",
    "first_contact_resolution",
    "sla_compliance",
    "community_answer_rate",
    "loyalty_members",
    "points_issued",
    "points_redeemed",
    "points_outstanding",
    "redemption_rate",
    "referral_conversion_rate",
)
METRICS: dict[str, Metric] = {name: REGISTRY[name] for name in ORDER}
assert set(METRICS) == set(REGISTRY), "every registered metric has a place in ORDER"  # noqa: S101


def values(period: Period, segment: Segment = EVERYONE) -> dict[str, float | None]:
    """Every metric's value, keyed by name (shared aggregates run once)."""
    with shared_queries():
        return {name: metric(period, segment) for name, metric in METRICS.items()}


def report(period: Period, segment: Segment = EVERYONE) -> dict:
    """Every metric and every table of the period, JSON-ready apart from dates."""
    with shared_queries():
        return _report(period, segment)


def _report(period: Period, segment: Segment) -> dict:
    return {
        **values(period, segment),
        "engagement_by_channel": engagement_by_channel(period, segment),
        "lifecycle_stages": lifecycle_counts(period.end_at, segment),
        "cohort_retention": cohort_retention(period, segment),
        "incident_impact": incident_impact(period, segment),
        "loyalty_tiers": by_loyalty_tier(period) if segment.is_everyone else [],
    }


__all__ = [
    "EVERYONE",
    "METRICS",
    "REGISTRY",
    "Metric",
    "Period",
    "Segment",
    "by_loyalty_tier",
    "cohort_retention",
    "engagement_by_channel",
    "incident_impact",
    "lifecycle_counts",
    "loyalty_tier_choices",
    "report",
    "values",
]
