"""Reading a period from user input (command line, query string, admin filters)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from insights.metrics import Period
from portal.services.errors import ServiceError

#: The one default period everywhere (the admin dashboard, ``metrics``, the API): the 365 days
#: ending today. A tile must show the same number wherever it is read.
DEFAULT_DAYS = 365
MAX_DAYS = 366 * 5


class PeriodError(ServiceError, ValueError):
    """A period that cannot be read; the message is for a person (HTTP 400)."""

    status_code = 400


def parse_day(raw: str | None, name: str) -> date | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise PeriodError(
            _("%(name)s must be a date in ISO format (YYYY-MM-DD), got %(value)r.")
            % {"name": name, "value": raw}
        ) from None


def period_from(start: str | date | None, end: str | date | None) -> Period:
    """Both dates inclusive. ``end`` defaults to today; ``start`` to ``DEFAULT_DAYS`` days
    ending on ``end``. (The admin dashboard, ``metrics`` and the API all read a period here.)"""
    first = start if isinstance(start, date) else parse_day(start, "start")
    last = end if isinstance(end, date) else parse_day(end, "end")
    if last is None:
        last = timezone.localdate()
    if first is None:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise PeriodError(
            _("The end date (%(end)s) is before the start date (%(start)s).")
            % {"end": last.isoformat(), "start": first.isoformat()}
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(_("A period can be at most %(days)d days long.") % {"days": MAX_DAYS})
    return Period(first, last)


def default_period() -> Period:
    return period_from(None, None)
