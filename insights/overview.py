"""What the admin overview page draws from a ``Dashboard``: the trend, NPS, channel and
lifecycle charts (``insights.charts``) with their axes and units, and the cohort table's
cells (heat level, and "partial" for a month that is not over yet)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from insights.charts import Axis, Point, bar_chart, column_chart, heat_level, line_chart
from insights.dashboard import TREND_METRICS, Dashboard, axis_for, formatted
from insights.metrics import METRICS
from insights.metrics.lifecycle import STAGES


def trend_charts(data: Dashboard) -> list[dict]:
    charts = []
    for name in TREND_METRICS:
        metric = METRICS[name]
        # the axis names the currency: the points' values need not repeat it
        unit = "number" if metric.unit == "money" else metric.unit
        points = [
            Point(label, value, formatted(value, unit))
            for label, value in data.trends.get(name, ())
        ]
        charts.append(
            {
                "metric": metric,
                "svg": line_chart(
                    points,
                    title=str(metric.label),
                    desc=_("%(metric)s per month; a month without data is a gap in the line.")
                    % {"metric": metric.label},
                    axis=axis_for(metric),
                    empty=_("No data in this period."),
                ),
            }
        )
    return charts


def cohort_cells(row: dict, width: int) -> list[dict | None]:
    """One cohort's cells, ``width`` wide (``None``: after the period's end). A row marked
    ``partial`` has its last month still running: that cell says so instead of showing a
    share that can only grow."""
    cells: list[dict | None] = [
        {"value": formatted(v, "rate"), "level": heat_level(v), "partial": False}
        for v in row["retention"]
    ]
    if cells and row.get("partial"):
        cells[-1] = {**cells[-1], "level": "heat-partial", "partial": True}
    return cells + [None] * (width - len(cells))


def overview_charts(data: Dashboard) -> dict:
    stage_labels = dict(STAGES)
    cohort_width = max((len(row["retention"]) for row in data.cohorts), default=0)
    return {
        "trend_charts": trend_charts(data),
        "nps_chart": column_chart(
            [Point(str(score), n, str(n)) for score, n in data.nps_distribution],
            title=_("NPS answers by score"),
            desc=_("How many customers answered each score from 0 to 10."),
            axis=Axis("count", _("answers")),
            empty=_("No NPS answers in this period."),
        ),
        "engagement_chart": bar_chart(
            [
                Point(row["label"], row["per_active_customer"], formatted_number(row))
                for row in data.engagement
            ],
            title=_("Interactions per active customer, by channel"),
            empty=_("No customer interactions in this period."),
        ),
        "lifecycle_chart": bar_chart(
            [Point(str(stage_labels[key]), n, f"{n:,}") for key, n in data.lifecycle.items()],
            title=_("Customers by lifecycle stage"),
            desc=_("From awareness to advocacy, at the end of the period."),
            empty=_("No customers."),
        ),
        "cohort_rows": [
            {"cohort": row["cohort"], "size": row["size"], "cells": cohort_cells(row, cohort_width)}
            for row in data.cohorts
        ],
        "cohort_offsets": list(range(cohort_width)),
    }


def formatted_number(row: dict) -> str:
    value = row["per_active_customer"]
    return "-" if value is None else f"{value:.1f}"
