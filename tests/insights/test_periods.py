"""One default period everywhere: the admin dashboard, ``metrics --json`` and the API read
the 365 days ending today when no dates are given, and say which period they show."""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from insights.periods import DEFAULT_DAYS, PeriodError, default_period, period_from
from portal.models import ApiToken
from portal.services.tokens import api_token_create

pytestmark = pytest.mark.django_db


def test_the_default_is_the_365_days_ending_today():
    today = timezone.localdate()
    period = default_period()
    assert DEFAULT_DAYS == 365
    assert (period.start, period.end) == (today - timedelta(days=364), today)
    assert period_from(None, "2026-03-31").start == date(2025, 4, 1)
    assert period_from("2026-01-01", None).end == today  # from a day up to today


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-02-01", "2026-01-01", "before the start"),
        ("2001-01-01", "2026-01-01", "at most"),
        ("01/02/2026", None, "ISO format"),
    ],
)
def test_bad_periods_say_why(start, end, message):
    with pytest.raises(PeriodError, match=message):
        period_from(start, end)


def test_dashboard_command_and_api_default_to_the_same_period(client, client_for, root, ada):
    expected = default_period()
    shown = {"start": expected.start.isoformat(), "end": expected.end.isoformat()}
    out = StringIO()
    call_command("metrics", "--json", stdout=out)
    assert json.loads(out.getvalue())["period"] == shown
    _token, raw = api_token_create(name="t", kind=ApiToken.Kind.PERSONAL, user=ada)
    response = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.json()["period"] == shown
    page = client_for(root).get("/admin/insights/")
    assert page.status_code == 200
    assert page.context["data"].period == expected
    # and the page says which period it shows, next to the numbers
    assert f"({DEFAULT_DAYS} days)" in page.content.decode()


def test_dashboard_filter_form_reads_the_period_like_the_api(client_for, root):
    response = client_for(root).get("/admin/insights/?start=2026-01-01&end=2026-01-31")
    assert response.context["data"].period == period_from("2026-01-01", "2026-01-31")
    response = client_for(root).get("/admin/insights/?start=2026-03-01&end=2026-01-01")
    assert response.status_code == 400
    assert "before the start date" in response.content.decode()
