"""Partial periods are marked, missing months are gaps: the cohort table flags a month that
is not over (``partial``) instead of presenting its running retention as final, and the
NPS/CSAT/CES trends give ``None`` for a month without answers, never 0 (live and from the
rollups, as the dashboard computes them)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from insights.dashboard import TREND_METRICS, dashboard, months_of
from insights.metrics import Period, Segment, cohort_retention, report
from insights.metrics.cohorts import last_month_is_partial
from insights.models import SurveyKind
from insights.services.rollups import rollup_run
from tests.insights.conftest import answer, at, buy, customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("utc")]


@pytest.mark.parametrize(
    ("end", "today", "partial"),
    [
        (date(2026, 3, 31), date(2026, 5, 10), False),  # a whole month, long over
        (date(2026, 3, 15), date(2026, 5, 10), True),  # the period stops mid-month
        (date(2026, 5, 10), date(2026, 5, 10), True),  # the running month
        (date(2026, 5, 31), date(2026, 5, 31), True),  # its last day, not over yet
        (date(2026, 5, 31), date(2026, 6, 1), False),  # over since midnight
        (date(2026, 2, 28), date(2026, 3, 1), False),  # February's last day
    ],
)
def test_which_last_month_is_partial(end, today, partial):
    period = Period(date(2026, 1, 1), end)
    assert last_month_is_partial(period, today=today) is partial


def on(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_the_running_month_of_the_cohort_table_is_partial():
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    a, b = customer("a"), customer("b")
    buy(a, on(last_month), 40)  # last month's cohort; nobody ordered again this month (yet)
    buy(b, on(last_month + timedelta(days=1)), 0)  # a free first order: in the cohort too
    period = Period(last_month, today)
    table = cohort_retention(period, Segment())
    assert [(row["cohort"], row["size"], row["partial"]) for row in table] == [
        (last_month, 2, True)
    ]
    # this month's share so far is 0: the flag says it is not a final 0%
    assert table[0]["retention"] == [1.0, 0.0]
    # the same rows reach the report (the API and metrics --json) and the dashboard
    assert report(period, Segment())["cohort_retention"] == table
    assert dashboard(period, Segment()).cohorts == table


def test_a_closed_period_has_no_partial_month():
    a = customer("a")
    buy(a, at(2026, 1, 10), 25)
    buy(a, at(2026, 2, 10), 25)
    table = cohort_retention(Period(date(2026, 1, 1), date(2026, 2, 28)), Segment())
    assert [(row["retention"], row["partial"]) for row in table] == [([1.0, 1.0], False)]
    # cut in the middle of February: February's retention is partial
    cut = cohort_retention(Period(date(2026, 1, 1), date(2026, 2, 15)), Segment())
    assert [(row["retention"], row["partial"]) for row in cut] == [([1.0, 1.0], True)]


SURVEY_TRENDS = {"nps": SurveyKind.NPS, "csat": SurveyKind.CSAT, "ces": SurveyKind.CES}


def test_every_survey_metric_has_a_trend():
    assert set(SURVEY_TRENDS) <= set(TREND_METRICS)


@pytest.mark.parametrize("rolled_up", [False, True])
def test_a_month_without_answers_is_a_gap_in_the_survey_trends(rolled_up):
    today = timezone.localdate()
    period = Period(today - timedelta(days=150), today)  # at least five calendar months
    months = months_of(period)
    a = customer("a")
    # answers in the first and the last month of the period (the last is today's), none
    # in between
    for kind, score in ((SurveyKind.NPS, 10), (SurveyKind.CSAT, 5), (SurveyKind.CES, 6)):
        answer(a, kind, score, on(months[0].start))
        answer(a, kind, score, on(today, 0))
    if rolled_up:
        rollup_run()
    trends = dashboard(period, Segment()).trends
    expected = {"nps": 100.0, "csat": 1.0, "ces": 6.0}
    for name, value in expected.items():
        points = [point for _label, point in trends[name]]
        assert len(points) == len(months) >= 5, name
        assert points[0] == pytest.approx(value) and points[-1] == pytest.approx(value), name
        assert points[1:-1] == [None] * (len(months) - 2), name  # gaps, not zeros
