"""The admin dashboard's data: KPI tiles against the previous period, monthly trends, the
NPS distribution, engagement by channel, the lifecycle funnel, cohort retention and incident
impact, each also as a plain ``Table`` (the chart's data-table fallback and its CSV/XLSX
export). Everything is computed by ``insights.metrics``; nothing here touches rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from insights.charts import Axis
from insights.metrics import (
    METRICS,
    Metric,
    Period,
    Segment,
    by_loyalty_tier,
    cohort_retention,
    engagement_by_channel,
    incident_impact,
    lifecycle_counts,
)
from insights.metrics.base import month_start, next_month, shared_queries
from insights.metrics.customers import prime
from insights.metrics.lifecycle import STAGES
from insights.metrics.surveys import score_counts
from insights.models import SurveyKind
from insights.money import decimals, shop_currency

# Monthly points of metrics the daily rollups serve (a month is a sum of days; the repeat
# customer rate would need a pass over each month's orders per customer: 0.55 s at
# 1,000,000 purchases for the twelve months, a quarter of the dashboard's budget). A month
# without data (no survey answers, no orders) is ``None``, a gap, never 0.
TREND_METRICS = ("nps", "csat", "ces", "purchase_frequency", "average_order_value")
TREND_MONTHS = 12


def formatted(value: float | None, unit: str) -> str:
    """A metric's value as a manager reads it: rates in %, money with its currency."""
    if value is None:
        return "-"
    if unit == "rate":
        return f"{100 * value:.1f}%"
    if unit == "money":
        currency = shop_currency()
        return f"{value:,.{decimals(currency)}f} {currency}"
    return f"{value:.1f}" if unit == "score" else f"{value:.2f}"


#: Why a metric has no value: what its denominator counts was empty, said for the period
#: shown and for the previous one (two sentences: the words differ in other languages).
NO_VALUE = {
    "nps": (
        _("No NPS answers in this period."),
        _("No NPS answers in the previous period."),
    ),
    "csat": (
        _("No CSAT answers in this period."),
        _("No CSAT answers in the previous period."),
    ),
    "ces": (
        _("No CES answers in this period."),
        _("No CES answers in the previous period."),
    ),
    "customer_loyalty_index": (
        _("Nobody answered all three loyalty questions in this period."),
        _("Nobody answered all three loyalty questions in the previous period."),
    ),
    "share_of_wallet": (
        _("No survey answers with a yearly spend in this period."),
        _("No survey answers with a yearly spend in the previous period."),
    ),
    "retention_rate": (
        _("No customers at the start of this period."),
        _("No customers at the start of the previous period."),
    ),
    "churn_rate": (
        _("No customers at the start of this period."),
        _("No customers at the start of the previous period."),
    ),
    "net_revenue_retention": (
        _("Existing customers spent nothing in the period before this one."),
        _("Existing customers spent nothing in the period before the previous one."),
    ),
    "repeat_customer_rate": (
        _("No orders in this period."),
        _("No orders in the previous period."),
    ),
    "purchase_frequency": (
        _("No orders in this period."),
        _("No orders in the previous period."),
    ),
    "average_order_value": (
        _("No orders in this period."),
        _("No orders in the previous period."),
    ),
    "customer_lifetime_value": (
        _("No orders in this period."),
        _("No orders in the previous period."),
    ),
    "engagement": (
        _("No customer interactions in this period."),
        _("No customer interactions in the previous period."),
    ),
    "deflection_rate": (
        _("No suggested articles read and no tickets opened in this period."),
        _("No suggested articles read and no tickets opened in the previous period."),
    ),
    "catalogue_automation_rate": (
        _("No service requests in this period."),
        _("No service requests in the previous period."),
    ),
    "first_contact_resolution": (
        _("No tickets resolved in this period."),
        _("No tickets resolved in the previous period."),
    ),
    "sla_compliance": (
        _("No tickets with an SLA resolved in this period."),
        _("No tickets with an SLA resolved in the previous period."),
    ),
    "community_answer_rate": (
        _("No community threads started in this period."),
        _("No community threads started in the previous period."),
    ),
    "followup_rate": (
        _("No unhappy survey answers in this period."),
        _("No unhappy survey answers in the previous period."),
    ),
    "followup_first_contact_hours": (
        _("No follow-up case got a first reply in this period."),
        _("No follow-up case got a first reply in the previous period."),
    ),
    "nps_next_after_followup": (
        _("No followed-up detractor answered NPS again in this period."),
        _("No followed-up detractor answered NPS again in the previous period."),
    ),
    "nps_next_without_followup": (
        _("No detractor without a follow-up answered NPS again in this period."),
        _("No detractor without a follow-up answered NPS again in the previous period."),
    ),
}
NO_VALUE_DEFAULT = (
    _("Not enough data in this period."),
    _("Not enough data in the previous period."),
)


def axis_for(metric: Metric) -> Axis:
    """The value axis of a metric's trend chart: its unit, and its fixed scale if it has
    one (rates 0-100 %, NPS -100..100, CES 1-7)."""
    if metric.name == "nps":
        return Axis("score", "NPS", -100, 100)
    if metric.name == "ces":
        return Axis("score", "1-7", 1, 7)
    if metric.unit == "rate":
        return Axis("rate", "%", 0, 1)
    if metric.unit == "money":
        return Axis("money", shop_currency())
    return Axis("number")


@dataclass
class Tile:
    metric: Metric
    value: float | None
    previous: float | None
    links: list = field(default_factory=list)  # drill-downs to the customers behind it

    @property
    def shown(self) -> str:
        return formatted(self.value, self.metric.unit)

    @property
    def previous_shown(self) -> str:
        return formatted(self.previous, self.metric.unit)

    @property
    def why_no_value(self) -> str:
        """Why the period has no value ("" when it has one)."""
        if self.value is not None:
            return ""
        return str(NO_VALUE.get(self.metric.name, NO_VALUE_DEFAULT)[0])

    @property
    def why_no_previous(self) -> str:
        """Why there is nothing to compare with ("" when the previous period has a value)."""
        if self.previous is not None:
            return ""
        return str(NO_VALUE.get(self.metric.name, NO_VALUE_DEFAULT)[1])

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_shown(self) -> str:
        change = self.change
        if change is None:
            return ""
        if self.metric.unit == "rate":
            # percentage points: the change of a rate, not a percentage of it
            return str(_("%(change)s pts") % {"change": f"{100 * change:+.1f}"})
        if self.metric.unit == "money":
            currency = shop_currency()
            return f"{change:+,.{decimals(currency)}f} {currency}"
        return f"{change:+.2f}" if self.metric.unit != "score" else f"{change:+.1f}"

    @property
    def trend(self) -> str:
        """``up``/``down`` for better/worse, ``flat`` or ``""`` (unknown)."""
        change = self.change
        if change is None:
            return ""
        if abs(change) < 1e-9:
            return "flat"
        better = (change > 0) == self.metric.higher_is_better
        return "up" if better else "down"


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


def tiles(period: Period, segment: Segment) -> list[Tile]:
    previous = period.previous()
    return [
        Tile(metric, metric(period, segment), metric(previous, segment))
        for metric in METRICS.values()
    ]


def months_of(period: Period) -> list[Period]:
    """The calendar months overlapping the period (the last ``TREND_MONTHS``), clipped."""
    months, month = [], month_start(period.start)
    while month <= period.end:
        last = min(period.end, date.fromordinal(next_month(month).toordinal() - 1))
        months.append(Period(max(month, period.start), last))
        month = next_month(month)
    return months[-TREND_MONTHS:]


def trends(period: Period, segment: Segment) -> dict[str, list[tuple[str, float | None]]]:
    months = months_of(period)
    return {
        name: [
            (date_format(month.start, "YEAR_MONTH_FORMAT"), METRICS[name](month, segment))
            for month in months
        ]
        for name in TREND_METRICS
    }


def nps_distribution(period: Period, segment: Segment) -> list[tuple[int, int]]:
    counts = score_counts(period, segment, SurveyKind.NPS)
    return [(score, counts.get(score, 0)) for score in range(11)]


@dataclass
class Dashboard:
    period: Period
    segment: Segment
    tiles: list[Tile]
    trends: dict
    nps_distribution: list[tuple[int, int]]
    engagement: list[dict]
    lifecycle: dict[str, int]
    cohorts: list[dict]
    incidents: list[dict]
    loyalty_tiers: list[dict] = field(default_factory=list)

    def tables(self) -> dict[str, Table]:
        stage_labels = dict(STAGES)
        cohort_width = max((len(row["retention"]) for row in self.cohorts), default=0)
        trend_months = [label for label, _v in next(iter(self.trends.values()), [])]
        return {
            table.key: table
            for table in (
                Table(
                    "kpis",
                    str(_("Key figures")),
                    [
                        str(_("Metric")),
                        "key",
                        str(_("Value")),
                        str(_("Previous period")),
                        str(_("Formula")),
                    ],
                    [
                        [
                            str(t.metric.label),
                            t.metric.name,
                            t.value,
                            t.previous,
                            str(t.metric.formula),
                        ]
                        for t in self.tiles
                    ],
                ),
                Table(
                    "trends",
                    str(_("Monthly trends")),
                    [str(_("Metric")), *trend_months],
                    [
                        [str(METRICS[name].label), *(value for _l, value in points)]
                        for name, points in self.trends.items()
                    ],
                ),
                Table(
                    "nps_distribution",
                    str(_("NPS answers by score")),
                    [str(_("Score")), str(_("Answers"))],
                    [list(pair) for pair in self.nps_distribution],
                ),
                Table(
                    "engagement",
                    str(_("Engagement by channel")),
                    [
                        str(_("Channel")),
                        str(_("Interactions")),
                        str(_("Customers")),
                        str(_("Interactions per active customer")),
                    ],
                    [
                        [
                            row["label"],
                            row["interactions"],
                            row["customers"],
                            row["per_active_customer"],
                        ]
                        for row in self.engagement
                    ],
                ),
                Table(
                    "lifecycle",
                    str(_("Lifecycle stages")),
                    [str(_("Stage")), str(_("Customers"))],
                    [[str(stage_labels[key]), n] for key, n in self.lifecycle.items()],
                ),
                Table(
                    "cohorts",
                    str(_("Monthly cohort retention")),
                    [
                        str(_("Cohort")),
                        str(_("Customers")),
                        *(f"M{k}" for k in range(cohort_width)),
                    ],
                    [
                        [row["cohort"].strftime("%Y-%m"), row["size"], *row["retention"]]
                        for row in self.cohorts
                    ],
                ),
                Table(
                    "incidents",
                    str(_("Incident impact")),
                    [
                        str(_("Group")),
                        str(_("Customers")),
                        str(_("Churn rate")),
                        "NPS",
                        str(_("Repeat customer rate")),
                    ],
                    [
                        [
                            row["label"],
                            row["customers"],
                            row["churn_rate"],
                            row["nps"],
                            row["repeat_customer_rate"],
                        ]
                        for row in self.incidents
                    ],
                ),
                Table(
                    "loyalty_tiers",
                    str(_("Loyalty tiers")),
                    [
                        str(_("Tier")),
                        str(_("Retention rate")),
                        str(_("Repeat customer rate")),
                        str(_("Customer lifetime value")),
                    ],
                    [
                        [
                            row["label"],
                            row["retention_rate"],
                            row["repeat_customer_rate"],
                            row["customer_lifetime_value"],
                        ]
                        for row in self.loyalty_tiers
                    ],
                ),
            )
        }


def dashboard(period: Period, segment: Segment) -> Dashboard:
    with shared_queries():  # shared aggregates across tiles, trends and tables
        return _dashboard(period, segment)


def _dashboard(period: Period, segment: Segment) -> Dashboard:
    # one pass over the purchases for the customer tiles of both periods (``customer_pass``)
    # before the tiles ask for them one by one
    prime(period, segment)
    return Dashboard(
        period=period,
        segment=segment,
        tiles=tiles(period, segment),
        trends=trends(period, segment),
        nps_distribution=nps_distribution(period, segment),
        engagement=engagement_by_channel(period, segment),
        lifecycle=lifecycle_counts(period.end_at, segment),
        cohorts=cohort_retention(period, segment),
        incidents=incident_impact(period, segment),
        loyalty_tiers=by_loyalty_tier(period) if segment.is_everyone else [],
    )


def customers_table(key: str, title: str, customers) -> Table:
    """A drill-down's customers as a table (CSV/XLSX export): reference, name, email,
    organisation and the scores of the last lifetime value fit."""
    rows = []
    for customer in customers.select_related("organisation", "insights_score").iterator(
        chunk_size=2000
    ):
        score = getattr(customer, "insights_score", None)
        rows.append(
            [
                customer.customer_ref,
                customer.name,
                customer.email,
                customer.organisation.name if customer.organisation_id else "",
                score.get_value_band_display() if score else "",
                score.predicted_value if score else None,
                score.p_alive if score else None,
            ]
        )
    return Table(
        key,
        str(title),
        [
            str(_("Customer number")),
            str(_("Name")),
            str(_("Email")),
            str(_("Organisation")),
            str(_("Value band")),
            str(_("Predicted value, next 12 months")),
            str(_("Probability still active")),
        ],
        rows,
    )
