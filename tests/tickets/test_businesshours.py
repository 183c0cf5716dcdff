"""Business-hours arithmetic: worked examples across nights, weekends, holidays and clock
changes, and hypothesis properties (inverse functions, additivity, monotonicity)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tickets.businesshours import (
    Schedule,
    ScheduleError,
    add_business_time,
    business_time_between,
)

ROME = zoneinfo.ZoneInfo("Europe/Rome")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
OFFICE = Schedule.build(ROME, holidays=[date(2026, 4, 6), date(2026, 12, 25)])
ALWAYS = Schedule.build(ROME, weekdays=range(7), start=time(0), end=time(0))
H = timedelta(hours=1)


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (rome(2026, 3, 2, 10), 4, rome(2026, 3, 2, 14)),  # same day
        (rome(2026, 3, 2, 15), 4, rome(2026, 3, 3, 11)),  # across the night
        (rome(2026, 3, 2, 7), 1, rome(2026, 3, 2, 10)),  # before opening
        (rome(2026, 3, 2, 20), 1, rome(2026, 3, 3, 10)),  # after closing
        (rome(2026, 3, 6, 16), 2, rome(2026, 3, 9, 10)),  # Friday -> Monday
        (rome(2026, 3, 7, 12), 1, rome(2026, 3, 9, 10)),  # opened on Saturday
        (rome(2026, 4, 3, 16), 2, rome(2026, 4, 7, 10)),  # Friday, then Easter Monday off
        (rome(2026, 3, 2, 9), 8, rome(2026, 3, 2, 17)),  # due exactly at closing time
        (rome(2026, 3, 2, 10), 0, rome(2026, 3, 2, 10)),
    ],
)
def test_add_business_time(start, hours, due):
    assert add_business_time(start, hours * H, OFFICE) == due


def test_between_counts_only_working_time():
    friday, monday = rome(2026, 3, 6, 16), rome(2026, 3, 9, 10)
    assert business_time_between(friday, monday, OFFICE) == 2 * H
    assert business_time_between(monday, friday, OFFICE) == timedelta(0)
    easter = business_time_between(rome(2026, 4, 3, 9), rome(2026, 4, 8, 9), OFFICE)
    assert easter == 16 * H  # Friday and Tuesday; the weekend and Easter Monday do not count


def test_clock_changes_give_days_their_real_length():
    # 29 March 2026: Rome goes from +01:00 to +02:00 at 02:00 (a 23-hour day).
    day = rome(2026, 3, 29)
    assert business_time_between(day, day + timedelta(days=1), ALWAYS) == timedelta(hours=23)
    assert add_business_time(day, 23 * H, ALWAYS) == rome(2026, 3, 30).astimezone(UTC)
    # Office hours are still 8 hours on the days of the change (spring and autumn).
    assert business_time_between(rome(2026, 3, 30), rome(2026, 3, 31), OFFICE) == 8 * H
    autumn = Schedule.build(NEW_YORK)
    start = datetime(2026, 10, 30, 9, tzinfo=NEW_YORK)  # Friday; clocks go back on Sunday
    assert add_business_time(start, 9 * H, autumn) == datetime(2026, 11, 2, 10, tzinfo=NEW_YORK)


def test_naive_and_negative_inputs_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_business_time(datetime(2026, 3, 2, 10), H, OFFICE)  # noqa: DTZ001
    with pytest.raises(ValueError, match="negative"):
        add_business_time(rome(2026, 3, 2, 10), -H, OFFICE)


def test_bad_schedules_are_refused():
    with pytest.raises(ScheduleError):
        Schedule.build(ROME, weekdays=[])
    with pytest.raises(ScheduleError):
        Schedule.build(ROME, start=time(17), end=time(9))
    everything_off = Schedule.build(
        ROME, weekdays=[0], holidays=[date(2026, 3, 2) + timedelta(weeks=w) for w in range(1100)]
    )
    with pytest.raises(ScheduleError):
        add_business_time(rome(2026, 3, 1), H, everything_off)


# --- properties ---------------------------------------------------------------------------------
ZONES = [ROME, NEW_YORK, zoneinfo.ZoneInfo("Asia/Kolkata"), zoneinfo.ZoneInfo("UTC")]


@st.composite
def schedules(draw):
    tz = draw(st.sampled_from(ZONES))
    weekdays = draw(st.frozensets(st.integers(0, 6), min_size=1))
    start_hour = draw(st.integers(0, 22))
    if draw(st.booleans()):
        end = time(0)  # until midnight
    else:
        end = time(draw(st.integers(start_hour + 1, 23)), draw(st.sampled_from([0, 30])))
    holidays = draw(st.frozensets(st.dates(date(2025, 12, 1), date(2026, 12, 31)), max_size=40))
    return Schedule(tz, weekdays, time(start_hour), end, holidays)


instants = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis adds the zone
    max_value=datetime(2026, 11, 30),  # noqa: DTZ001
    timezones=st.sampled_from(ZONES),
)
amounts = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=400))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(schedules(), instants, amounts)
def test_between_undoes_add(schedule, start, amount):
    due = add_business_time(start, amount, schedule)
    assert due >= start
    assert business_time_between(start, due, schedule) == amount


@SETTINGS
@given(schedules(), instants, amounts, amounts)
def test_adding_is_additive(schedule, start, first, second):
    assume(first > timedelta(0))
    once = add_business_time(start, first + second, schedule)
    twice = add_business_time(add_business_time(start, first, schedule), second, schedule)
    assert once == twice


@SETTINGS
@given(schedules(), instants, amounts, amounts)
def test_more_time_is_never_earlier(schedule, start, first, second):
    small, large = sorted((first, second))
    assert add_business_time(start, small, schedule) <= add_business_time(start, large, schedule)


@SETTINGS
@given(schedules(), instants, instants)
def test_between_is_at_most_the_wall_clock_and_adds_back(schedule, a, b):
    start, end = sorted((a, b))
    elapsed = business_time_between(start, end, schedule)
    assert timedelta(0) <= elapsed <= end - start
    if elapsed > timedelta(0):
        due = add_business_time(start, elapsed, schedule)
        assert due <= end
        assert business_time_between(due, end, schedule) == timedelta(0)


@SETTINGS
@given(schedules(), instants, amounts)
def test_a_positive_due_time_is_inside_or_at_the_end_of_a_working_window(schedule, start, amount):
    assume(amount > timedelta(0))
    due = add_business_time(start, amount, schedule)
    just_before = due - timedelta(microseconds=1)
    assert schedule.is_working(just_before)
