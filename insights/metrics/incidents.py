"""Incident impact: churn, NPS and repeat purchases of customers affected by a published
incident that started in the period, against the unaffected; and, among the affected, the
compensated (a ``CompensationGrant``) against the not compensated.

Each group is a ``Segment`` with an explicit customer queryset, so the numbers follow the
same formulas as the rest of the report.
"""

from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext_lazy as _

from insights.metrics.base import Period, Segment
from insights.metrics.customers import churn_rate
from insights.metrics.purchases import repeat_customer_rate
from insights.metrics.surveys import nps
from outages.models import CompensationGrant, IncidentAudience
from portal.models import Customer

MEASURES = (
    ("churn_rate", churn_rate),
    ("nps", nps),
    ("repeat_customer_rate", repeat_customer_rate),
)


def incident_groups(period: Period, segment: Segment) -> list[tuple[str, str, Segment]]:
    audience = IncidentAudience.objects.filter(
        incident__published_at__isnull=False,
        incident__starts_at__gte=period.start_at,
        incident__starts_at__lt=period.end_at,
    )
    affected_ids = audience.values("customer")
    compensated_ids = CompensationGrant.objects.filter(
        incident__in=audience.values("incident")
    ).values("customer")
    base = segment.customers_qs()
    affected = base.filter(pk__in=affected_ids)
    groups = (
        ("affected", _("Affected by an incident"), affected),
        ("unaffected", _("Not affected"), base.exclude(pk__in=affected_ids)),
        ("compensated", _("Affected, compensated"), affected.filter(pk__in=compensated_ids)),
        (
            "not_compensated",
            _("Affected, not compensated"),
            affected.exclude(pk__in=compensated_ids),
        ),
    )
    # each group keeps the segment's other filters (a product segment still counts only the
    # product's orders) and is a segment of its own: see ``Segment``'s identity
    return [
        (key, str(label), replace(segment, customers=Customer.objects.filter(pk__in=customers)))
        for key, label, customers in groups
    ]


def incident_impact(period: Period, segment: Segment) -> list[dict]:
    """One row per group: ``group``, ``label``, ``customers`` and each measure."""
    rows = []
    groups = incident_groups(period, segment)
    counts = {key: group.customers.count() for key, _label, group in groups}
    for key, label, group in groups:
        if key == "unaffected" and not counts["affected"]:
            # nobody affected: "not affected" is the whole segment, which may read the
            # rollups (and shares the report's aggregates)
            group = segment
        row = {"group": key, "label": label, "customers": counts[key]}
        for name, measure in MEASURES:
            row[name] = measure(period, group) if counts[key] else None
        rows.append(row)
    return rows
