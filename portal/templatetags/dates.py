"""Dates and times on pages, one way (issue 18, item 6): ``{% load dates %}``.

- ``{{ dt|when }}``: ``<time datetime="ISO" title="6 Dec 2026, 14:05">5 minutes ago</time>``;
  relative where it helps ("just now", "5 minutes ago", "3 hours ago", "yesterday at 14:05",
  "in 3 hours", "tomorrow at 09:00"), otherwise the date (past) or date and time (future).
- ``{{ d|day }}``: ``<time datetime="2026-12-06">6 Dec 2026</time>`` (a date or a datetime).
- ``{{ dt|stamp }}``: ``<time datetime="ISO">6 Dec 2026, 14:05</time>``, the exact moment.
- ``{{ d|month }}``: "Dec 2026" ("dic 2026").
- ``{{ start|duration:end }}``: "2 hours", "3 days" (never "0 minutes").

``day``, ``stamp`` and ``month`` take ``"text"`` for plain text (attributes, e-mail bodies).
The formats per language live in portal/formats/<lang>/formats.py. Python code that renders
rows without templates (the desk queue, the loyalty tables) calls the functions below.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from django import template
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

register = template.Library()

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def span_text(seconds: float) -> str:
    """A length of time in its largest whole unit: "1 minute" at least, "3 hours", "2 days"."""
    seconds = abs(seconds)
    if seconds < HOUR:
        minutes = max(1, int(seconds // MINUTE))
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    if seconds < DAY:
        hours = int(seconds // HOUR)
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = int(seconds // DAY)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


@lru_cache(maxsize=4096)
def _day(value: date, language: str | None) -> str:
    return date_format(value, "DATE_FORMAT")


@lru_cache(maxsize=16)
def _composed(language: str | None) -> bool:
    """Whether the language's date-and-time is its date, a comma and its time (the portal's
    format files): then a row's stamp reuses the day's text (the desk queue renders 50 rows
    in Python and formatting each date from scratch cost a few ms a page)."""
    return (
        get_format("DATETIME_FORMAT") == f"{get_format('DATE_FORMAT')}, {get_format('TIME_FORMAT')}"
    )


def stamp_text(value: datetime | date) -> str:
    """The exact date and time ("6 Dec 2026, 14:05"), or the date for a ``date``."""
    if not isinstance(value, datetime):
        return day_text(value)
    local = _local(value)
    language = get_language()
    if _composed(language):
        return f"{_day(local.date(), language)}, {date_format(local, 'TIME_FORMAT')}"
    return date_format(local, "DATETIME_FORMAT")


def day_text(value: datetime | date) -> str:
    if isinstance(value, datetime):
        value = _local(value).date()
    return _day(value, get_language())


def relative_text(value: datetime, now: datetime | None = None) -> str:
    """What ``when`` shows: relative in the near past and future, else the date."""
    now = now or timezone.now()
    value_local, now_local = _local(value), _local(now)
    seconds = (now - value).total_seconds()
    days_apart = (now_local.date() - value_local.date()).days
    if seconds >= 0:
        if seconds < MINUTE:
            return _("just now")
        if seconds < HOUR:
            minutes = int(seconds // MINUTE)
            text = ngettext("%(count)d minute ago", "%(count)d minutes ago", minutes)
            return text % {"count": minutes}
        if days_apart == 0:
            hours = int(seconds // HOUR)
            return ngettext("%(count)d hour ago", "%(count)d hours ago", hours) % {"count": hours}
        if days_apart == 1:
            return _("yesterday at %(time)s") % {"time": date_format(value_local, "TIME_FORMAT")}
        return day_text(value_local)
    ahead = -seconds
    if ahead < MINUTE:
        return _("in under a minute")
    if ahead < HOUR:
        minutes = int(ahead // MINUTE)
        text = ngettext("in %(count)d minute", "in %(count)d minutes", minutes)
        return text % {"count": minutes}
    if days_apart == 0:
        hours = int(ahead // HOUR)
        return ngettext("in %(count)d hour", "in %(count)d hours", hours) % {"count": hours}
    if days_apart == -1:
        return _("tomorrow at %(time)s") % {"time": date_format(value_local, "TIME_FORMAT")}
    return stamp_text(value_local)


def when_html(value: datetime, now: datetime | None = None) -> SafeString:
    """``<time datetime="ISO" title="exact">relative</time>`` (the desk queue calls this)."""
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        _local(value).isoformat(),
        stamp_text(value),
        relative_text(value, now),
    )


def _iso(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return _local(value).isoformat()
    return value.isoformat()


@register.filter(expects_localtime=False)
def when(value, now=None):
    """A moment relative to now with the exact time on hover; ``""`` for no value."""
    if not value:
        return ""
    if not isinstance(value, datetime):
        return day(value)
    return when_html(value, now if isinstance(now, datetime) else None)


@register.filter(expects_localtime=False)
def day(value, style: str = ""):
    """The date ("6 Dec 2026"), as a ``<time>`` element or, with ``"text"``, as text."""
    if not value:
        return ""
    text = day_text(value)
    if style == "text":
        return text
    iso = (_local(value).date() if isinstance(value, datetime) else value).isoformat()
    return format_html('<time datetime="{}">{}</time>', iso, text)


@register.filter(expects_localtime=False)
def stamp(value, style: str = ""):
    """The exact date and time ("6 Dec 2026, 14:05"); ``"text"`` for plain text."""
    if not value:
        return ""
    text = stamp_text(value)
    if style == "text":
        return text
    return format_html('<time datetime="{}">{}</time>', _iso(value), text)


@register.filter(expects_localtime=False)
def month(value, style: str = ""):
    """The month and year ("Dec 2026"); ``"text"`` for plain text."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    text = date_format(value, "YEAR_MONTH_FORMAT")
    if style == "text":
        return text
    return format_html('<time datetime="{}">{}</time>', value.strftime("%Y-%m"), text)


@register.filter(expects_localtime=False)
def duration(start, end=None):
    """How long from ``start`` to ``end`` (or now): "2 hours", "3 days", at least "1 minute"."""
    if not start:
        return ""
    end = end or timezone.now()
    if isinstance(start, datetime) != isinstance(end, datetime):
        return ""
    delta: timedelta = end - start
    return span_text(delta.total_seconds())
