"""One date style per language (issue 18, item 6): the ``dates`` template filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from portal.templatetags.dates import (
    day,
    duration,
    month,
    relative_text,
    span_text,
    stamp,
    when,
)

NOW = datetime(2026, 12, 6, 14, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _utc():
    with timezone.override("UTC"), translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=5, seconds=30), "5 minutes ago"),
        (timedelta(hours=3), "3 hours ago"),
        (timedelta(hours=20), "yesterday at 18:05"),
        (timedelta(days=1, hours=14), "yesterday at 00:05"),
        (timedelta(days=3), "3 Dec 2026"),
        (timedelta(days=400), "1 Nov 2025"),
    ],
)
def test_relative_past(ago, text):
    assert relative_text(NOW - ago, NOW) == text


@pytest.mark.parametrize(
    ("ahead", "text"),
    [
        (timedelta(seconds=20), "in under a minute"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(minutes=45), "in 45 minutes"),
        (timedelta(hours=3), "in 3 hours"),
        (timedelta(hours=19), "tomorrow at 09:05"),
        (timedelta(days=3), "9 Dec 2026, 14:05"),
    ],
)
def test_relative_future_for_sla_due_times(ahead, text):
    assert relative_text(NOW + ahead, NOW) == text


def test_never_zero_minutes():
    for seconds in (0, 1, 30, 59):
        assert "0 minutes" not in relative_text(NOW - timedelta(seconds=seconds), NOW)
        assert "0 minutes" not in span_text(seconds)
    assert span_text(0) == "1 minute"
    assert span_text(2 * 3600 + 59) == "2 hours"
    assert span_text(3 * 86400) == "3 days"


def test_when_is_a_time_element_with_the_exact_moment_on_hover():
    html = str(when(NOW - timedelta(minutes=5), NOW))
    assert html == (
        '<time datetime="2026-12-06T14:00:00+00:00" title="6 Dec 2026, 14:00">5 minutes ago</time>'
    )


def test_when_follows_the_current_time_zone():
    with timezone.override("Europe/Rome"):
        html = str(when(NOW - timedelta(days=2), NOW))
    assert 'datetime="2026-12-04T15:05:00+01:00"' in html
    assert 'title="4 Dec 2026, 15:05"' in html


def test_day_stamp_month_in_english():
    assert str(day(NOW)) == '<time datetime="2026-12-06">6 Dec 2026</time>'
    assert day(date(2024, 3, 1), "text") == "1 Mar 2024"
    assert str(stamp(NOW)) == '<time datetime="2026-12-06T14:05:00+00:00">6 Dec 2026, 14:05</time>'
    assert stamp(NOW, "text") == "6 Dec 2026, 14:05"
    assert month(NOW, "text") == "Dec 2026"
    assert duration(NOW - timedelta(hours=2, minutes=10), NOW) == "2 hours"


def test_italian_formats():
    with translation.override("it"):
        assert stamp(NOW, "text") == "6 dic 2026, 14:05"
        assert day(NOW, "text") == "6 dic 2026"
        assert month(NOW, "text") == "dic 2026"
        assert relative_text(NOW + timedelta(days=3), NOW) == "9 dic 2026, 14:05"
        assert relative_text(NOW - timedelta(days=3), NOW) == "3 dic 2026"
        assert 'title="6 dic 2026, 14:00"' in str(when(NOW - timedelta(minutes=5), NOW))


def test_django_formats_are_the_portals():
    """``|date:"SHORT_DATETIME_FORMAT"`` (still used by Wagtail's admin) says the same."""
    template = Template(
        '{{ value|date:"SHORT_DATETIME_FORMAT" }}|{{ value|date:"SHORT_DATE_FORMAT" }}'
    )
    for lang, expected in (
        ("en", "6 Dec 2026, 14:05|6 Dec 2026"),
        ("it", "6 dic 2026, 14:05|6 dic 2026"),
    ):
        with translation.override(lang):
            assert template.render(Context({"value": NOW})) == expected


def test_empty_values_render_nothing():
    assert when(None) == day(None) == stamp("") == month(None) == duration(None) == ""


def test_filters_load_in_templates():
    template = Template("{% load dates %}{{ value|when }} · {{ value|day }} · {{ value|stamp }}")
    html = template.render(Context({"value": timezone.now() - timedelta(seconds=5)}))
    assert "just now" in html
    assert html.count("<time ") == 3
