"""The customers behind a number: for each drill-down, the queryset of the customers a
metric counts, with the same rules (so the list's length is the number on the report).

- ``active_start`` / ``active_end``: active at the start / end of the period (retention's
  S and E); ``new``: acquired in the period and active at its end (N); ``churned``: active
  at the start, not at the end (churn's L);
- ``purchasing``: an order in the period; ``repeat``: two orders or more in the period;
- ``promoters`` / ``detractors``: answered NPS 9-10 / 0-6 in the period;
- ``stage-<key>``: in that lifecycle stage at the end of the period;
- ``at_risk``: flagged "valuable customer at risk" by the last ``clv_fit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from insights.metrics.base import Period, Segment
from insights.metrics.customers import with_period_flags
from insights.metrics.lifecycle import STAGES, with_stage
from insights.metrics.purchases import buyers
from insights.metrics.surveys import answered
from insights.models import SurveyKind


@dataclass(frozen=True)
class Drilldown:
    key: str
    label: str
    metric: str  # the metric (or table) it explains
    customers: Callable[[Period, Segment], QuerySet]


def _flags(period: Period, segment: Segment) -> QuerySet:
    return with_period_flags(segment.customers_qs(), period)


def _ordering(period: Period, segment: Segment, minimum: int) -> QuerySet:
    return segment.customers_qs().filter(pk__in=buyers(period, segment, minimum=minimum))


def _nps(period: Period, segment: Segment, q: Q) -> QuerySet:
    answers = answered(period, segment, SurveyKind.NPS).filter(q).values("customer")
    return segment.customers_qs().filter(pk__in=answers)


def _stage(key: str) -> Callable[[Period, Segment], QuerySet]:
    def customers(period: Period, segment: Segment) -> QuerySet:
        return with_stage(segment.customers_qs(), period.end_at).filter(stage=key)

    return customers


DRILLDOWNS: dict[str, Drilldown] = {
    d.key: d
    for d in (
        Drilldown(
            "active_start",
            _("Active customers at the start"),
            "retention_rate",
            lambda p, s: _flags(p, s).filter(s=True),
        ),
        Drilldown(
            "active_end",
            _("Active customers at the end"),
            "retention_rate",
            lambda p, s: _flags(p, s).filter(e=True),
        ),
        Drilldown(
            "new",
            _("New customers (acquired in the period, active at its end)"),
            "retention_rate",
            lambda p, s: _flags(p, s).filter(e=True, new=True),
        ),
        Drilldown(
            "churned",
            _("Churned customers (active at the start, not at the end)"),
            "churn_rate",
            lambda p, s: _flags(p, s).filter(s=True, e=False),
        ),
        Drilldown(
            "purchasing",
            _("Customers with an order in the period"),
            "purchase_frequency",
            lambda p, s: _ordering(p, s, 1),
        ),
        Drilldown(
            "repeat",
            _("Repeat customers (two orders or more in the period)"),
            "repeat_customer_rate",
            lambda p, s: _ordering(p, s, 2),
        ),
        Drilldown(
            "promoters",
            _("Promoters (NPS 9-10)"),
            "nps",
            lambda p, s: _nps(p, s, Q(score__gte=9)),
        ),
        Drilldown(
            "detractors",
            _("Detractors (NPS 0-6)"),
            "nps",
            lambda p, s: _nps(p, s, Q(score__lte=6)),
        ),
        Drilldown(
            "at_risk",
            _("Valuable customers at risk"),
            "at_risk",
            lambda p, s: s.customers_qs().filter(insights_score__at_risk=True),
        ),
        *(Drilldown(f"stage-{key}", label, "lifecycle", _stage(key)) for key, label in STAGES),
    )
}

#: Which drill-downs a KPI tile links to.
TILE_LINKS: dict[str, tuple[str, ...]] = {
    "retention_rate": ("active_start", "active_end", "new"),
    "churn_rate": ("churned",),
    "nps": ("promoters", "detractors"),
    "repeat_customer_rate": ("repeat", "purchasing"),
    "purchase_frequency": ("purchasing",),
}


def customers_behind(key: str, period: Period, segment: Segment) -> QuerySet:
    """The customers counted by drill-down ``key`` (``KeyError`` for an unknown key),
    with their score from the last fit, in name order."""
    drilldown = DRILLDOWNS[key]
    return (
        drilldown.customers(period, segment)
        .select_related("organisation", "insights_score")
        .order_by("name", "pk")
    )
