"""Business-hours arithmetic: pure functions, no database (property-tested with hypothesis).

A ``Schedule`` is a working week in one time zone: the working weekdays, the same opening
hours on each of them, and holidays (local dates with no working hours). Every working day
has one window ``[start, end)`` in local time; ``end == time(0)`` means midnight at the end
of the day, so ``00:00-00:00`` on every weekday is a 24/7 calendar.

Arithmetic is exact (microseconds) and done in UTC, so days on which the clocks change have
the right length: a 09:00-17:00 day is 8 hours either way, a 24-hour day is 23 or 25 hours.

- ``add_business_time(start, amount, schedule)``: the instant after ``amount`` of working
  time from ``start`` (a due time).
- ``business_time_between(start, end, schedule)``: how much working time lies between two
  instants (elapsed, remaining, paused time).

They are inverse to each other: ``business_time_between(s, add_business_time(s, d)) == d``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

ZERO = timedelta(0)
MAX_DAYS = 366 * 20  # a schedule with no working day in 20 years is a configuration error


class ScheduleError(ValueError):
    """The schedule has no working time (no weekdays, or holidays everywhere)."""


@dataclass(frozen=True)
class Schedule:
    tz: tzinfo
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday is 0
    start: time = time(9, 0)
    end: time = time(17, 0)  # time(0) = midnight at the end of the day
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            raise ScheduleError("a schedule needs at least one working weekday (0-6)")
        if self.end != time(0) and self.end <= self.start:
            raise ScheduleError("the working day must end after it starts")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ScheduleError("opening hours are local times without a time zone")

    @classmethod
    def build(
        cls,
        tz: tzinfo,
        *,
        weekdays: Iterable[int] = (0, 1, 2, 3, 4),
        start: time = time(9, 0),
        end: time = time(17, 0),
        holidays: Iterable[date] = (),
    ) -> Schedule:
        return cls(tz, frozenset(weekdays), start, end, frozenset(holidays))

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of a local date, as aware UTC instants (None: not a working day)."""
        if day.weekday() not in self.weekdays or day in self.holidays:
            return None
        opens = datetime.combine(day, self.start, tzinfo=self.tz).astimezone(UTC)
        end_day = day + timedelta(days=1) if self.end == time(0) else day
        closes = datetime.combine(end_day, self.end, tzinfo=self.tz).astimezone(UTC)
        if closes <= opens:  # an hour skipped by a clock change swallowed the whole window
            return None
        return opens, closes

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def windows_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """Working windows from local ``day`` on (raises ``ScheduleError`` after MAX_DAYS)."""
        for offset in range(MAX_DAYS):
            window = self.window(day + timedelta(days=offset))
            if window is not None:
                yield window
        raise ScheduleError("no working time in the next 20 years")

    def is_working(self, instant: datetime) -> bool:
        window = self.window(self.local_date(_aware(instant)))
        return window is not None and window[0] <= instant < window[1]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("business-hours arithmetic needs aware datetimes")
    return value.astimezone(UTC)


def add_business_time(start: datetime, amount: timedelta, schedule: Schedule) -> datetime:
    """The instant ``amount`` of working time after ``start`` (``start`` itself for zero).

    A due time that falls exactly at closing time is closing time (17:00), not the next
    morning. The result is in UTC.
    """
    current = _aware(start)
    if amount < ZERO:
        raise ValueError("amount must not be negative")
    if amount == ZERO:
        return current
    remaining = amount
    # The previous local day's window may still be open (it never is unless it ends at
    # midnight, in which case it closes when the start's own day begins): start there.
    for opens, closes in schedule.windows_from(schedule.local_date(current) - timedelta(days=1)):
        if closes <= current:
            continue
        begin = max(current, opens)
        available = closes - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable")  # pragma: no cover - windows_from raises first


def business_time_between(start: datetime, end: datetime, schedule: Schedule) -> timedelta:
    """Working time in ``[start, end)``; zero when ``end`` is not after ``start``."""
    begin, finish = _aware(start), _aware(end)
    if finish <= begin:
        return ZERO
    total = ZERO
    day = schedule.local_date(begin) - timedelta(days=1)
    last = schedule.local_date(finish)
    while day <= last:
        window = schedule.window(day)
        if window is not None:
            opens, closes = window
            overlap = min(closes, finish) - max(opens, begin)
            if overlap > ZERO:
                total += overlap
        day += timedelta(days=1)
    return total
