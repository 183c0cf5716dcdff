"""Daily rollups: the metric engine reads these small tables for closed days instead of the
interaction log, the purchases and the surveys (``insights.metrics.rollup``).

``rollup_day(day)`` recomputes one closed calendar day (site time zone) from the raw rows in
one transaction: it deletes the day's rollup rows and inserts them again, then marks the day
rolled up (``RollupDay``). Re-running a day therefore replaces it and never double-counts,
and a purchase or interaction that arrived late for a past day gets in on the re-run.

``DailyActiveCustomers`` and ``DailyBuyers`` also store each customer's *previous* active
(or ordering) day, which makes distinct customer counts over any range exact. A late row for
day D changes the previous day of that customer's next active day after D as well, so
re-run from D onwards (``manage.py insights_rollup --since D``, which rolls up to yesterday)
after back-filling; the periodic task re-rolls the last ``REPLAY_DAYS`` days (at most once
an hour) to take in ordinary late arrivals (a purchase imported the next morning).

Today is never rolled up: it is always a live query.
"""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from insights.metrics.customers import warm
from insights.metrics.rollup import interaction_flags
from insights.metrics.service import THREAD_ANSWER, THREAD_STARTED
from insights.models import (
    CommunityThread,
    CustomerActivity,
    CustomerChannelActivity,
    DailyActiveCustomers,
    DailyBuyers,
    DailyInteractions,
    DailyPurchases,
    DailySurveys,
    RollupDay,
    Survey,
)
from portal.db.bulk import insert_from_select
from portal.models import Interaction, InteractionKind, Purchase

#: How many closed days one periodic pass rolls up at most (a fresh install catches up
#: over a few passes instead of one long one).
MAX_DAYS_PER_PASS = 62
#: The periodic pass re-rolls the last REPLAY_DAYS closed days once their rollup is older
#: than REPLAY_AFTER, so rows that arrive a little late (a purchase import the next morning)
#: get in without anyone re-running the command.
REPLAY_DAYS = 3
REPLAY_AFTER = timedelta(hours=1)


class RollupError(ValueError):
    """A day that cannot be rolled up (today or later); the message is for a person."""


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _previous_day(queryset, at: datetime, *, same_channel: bool = False) -> TruncDate:
    """The local date of the customer's last row in ``queryset`` before ``at``."""
    earlier = queryset.filter(customer=OuterRef("customer"), occurred_at__lt=at)
    if same_channel:
        earlier = earlier.filter(channel=OuterRef("channel"))
    return TruncDate(
        Subquery(
            earlier.order_by("-occurred_at").values("occurred_at")[:1],
            output_field=DateTimeField(),
        )
    )


def _interaction_rows(day: date, start: datetime, end: datetime) -> list[DailyInteractions]:
    rows = interaction_flags(
        Interaction.objects.filter(occurred_at__gte=start, occurred_at__lt=end), "kind", "channel"
    )
    return [DailyInteractions(day=day, **row) for row in rows]


def _active_rows(day: date, start: datetime, end: datetime) -> list[DailyActiveCustomers]:
    known = Interaction.objects.filter(customer__isnull=False)
    today = known.filter(occurred_at__gte=start, occurred_at__lt=end).order_by()
    rows = [
        DailyActiveCustomers(day=day, channel="", previous_day=row["previous"], customers=row["n"])
        for row in today.annotate(previous=_previous_day(known, start))
        .values("previous")
        .annotate(n=Count("customer", distinct=True))
    ]
    rows += [
        DailyActiveCustomers(
            day=day, channel=row["channel"], previous_day=row["previous"], customers=row["n"]
        )
        for row in today.annotate(previous=_previous_day(known, start, same_channel=True))
        .values("channel", "previous")
        .annotate(n=Count("customer", distinct=True))
    ]
    return rows


def _purchase_rows(day: date, start: datetime, end: datetime):
    purchases = Purchase.objects.filter(ordered_at__gte=start, ordered_at__lt=end).order_by()
    totals = purchases.aggregate(
        orders=Count("pk", filter=Purchase.ORDER),
        refunds=Count("pk", filter=Purchase.REFUND),
        revenue=Sum("amount"),
    )
    daily = (
        [
            DailyPurchases(
                day=day,
                orders=totals["orders"],
                refunds=totals["refunds"],
                revenue=totals["revenue"] or 0,
            )
        ]
        if totals["orders"] or totals["refunds"] or totals["revenue"]
        else []
    )
    orders = Purchase.objects.orders()
    previous = TruncDate(
        Subquery(
            orders.filter(customer=OuterRef("customer"), ordered_at__lt=start)
            .order_by("-ordered_at")
            .values("ordered_at")[:1],
            output_field=DateTimeField(),
        )
    )
    buyers = [
        DailyBuyers(day=day, previous_day=row["previous"], customers=row["n"])
        for row in purchases.orders()
        .annotate(previous=previous)
        .values("previous")
        .annotate(n=Count("customer", distinct=True))
    ]
    return daily, buyers


def _survey_rows(day: date, start: datetime, end: datetime) -> list[DailySurveys]:
    rows = (
        Survey.objects.filter(answered_at__gte=start, answered_at__lt=end, score__isnull=False)
        .order_by()
        .values("kind", "score")
        .annotate(n=Count("pk"))
    )
    return [
        DailySurveys(day=day, kind=row["kind"], score=row["score"], answers=row["n"])
        for row in rows
    ]


def _refresh_first_orders(start: datetime, end: datetime) -> None:
    """``CustomerActivity`` (first and second order) of the customers who ordered in
    [start, end)."""
    customers = (
        Purchase.objects.orders()
        .filter(ordered_at__gte=start, ordered_at__lt=end)
        .order_by()
        .values("customer")
        .distinct()
    )
    firsts = (
        Purchase.objects.orders()
        .filter(customer__in=customers)
        .order_by()
        .values("customer")
        .annotate(
            first=Min("ordered_at"),
            second=Subquery(
                Purchase.objects.orders()
                .filter(customer=OuterRef("customer"))
                .order_by("ordered_at", "pk")
                .values("ordered_at")[1:2],
                output_field=DateTimeField(),
            ),
        )
    )
    now = timezone.now()
    CustomerActivity.objects.bulk_create(
        [
            CustomerActivity(
                customer_id=row["customer"],
                first_order_at=row["first"],
                second_order_at=row["second"],
                updated_at=now,
            )
            for row in firsts.iterator(chunk_size=5000)
        ],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=["first_order_at", "second_order_at", "updated_at"],
    )


def _refresh_last_active(start: datetime, end: datetime) -> None:
    """``CustomerActivity.last_active_day`` and ``CustomerChannelActivity`` of the
    customers with an interaction in [start, end): their latest day with one up to the
    latest rolled-up day (one ``INSERT ... SELECT ... ON CONFLICT`` each)."""
    bound = _rolled_up_to(end)
    active = (
        Interaction.objects.filter(
            occurred_at__gte=start, occurred_at__lt=end, customer__isnull=False
        )
        .order_by()
        .values("customer")
    )
    earlier = Interaction.objects.filter(customer__in=active, occurred_at__lt=bound).order_by()
    anywhere = earlier.values(who=F("customer_id")).annotate(day=TruncDate(Max("occurred_at")))
    per_channel = earlier.values(who=F("customer_id"), via=F("channel")).annotate(
        day=TruncDate(Max("occurred_at"))
    )
    now = Value(timezone.now(), output_field=DateTimeField())
    insert_from_select(
        CustomerActivity,
        ["customer", "last_active_day", "updated_at"],
        anywhere.annotate(at=now).values_list("who", "day", "at"),
        unique_fields=["customer"],
        update_fields=["last_active_day"],
    )
    insert_from_select(
        CustomerChannelActivity,
        ["customer", "channel", "last_day"],
        per_channel.values_list("who", "via", "day"),
        unique_fields=["customer", "channel"],
        update_fields=["last_day"],
    )


def _rolled_up_to(end: datetime) -> datetime:
    """The end of the latest rolled-up day, counting the day being rolled up (ending at
    ``end``): what the per-customer and per-thread rows may read up to."""
    latest = RollupDay.objects.order_by("-day").values_list("day", flat=True).first()
    last_day = (end - timedelta(seconds=1)).astimezone(timezone.get_current_timezone()).date()
    return day_bounds(max(latest or last_day, last_day))[1]


def _refresh_threads(start: datetime, end: datetime) -> None:
    """``CommunityThread`` rows of the threads started or answered in [start, end): the
    day started (and its channel) and the day of the first answer, up to the latest
    rolled-up day (one ``INSERT ... SELECT ... ON CONFLICT``)."""
    K = InteractionKind
    forum = Interaction.objects.filter(kind__in=[K.FORUM_POST, K.FORUM_ANSWER]).exclude(
        target_id=""
    )
    kind_of = Coalesce(F("target_type_id"), Value(0))  # 0: no content type
    touched = forum.filter(occurred_at__gte=start, occurred_at__lt=end).annotate(
        touched_type=kind_of
    )
    answer = THREAD_ANSWER & Q(target_type__isnull=False)  # as the live query matches them
    rows = (
        forum.filter(occurred_at__lt=_rolled_up_to(end))
        .annotate(tt=kind_of, tid=F("target_id"))
        .filter(Exists(touched.filter(touched_type=OuterRef("tt"), target_id=OuterRef("tid"))))
        .order_by()
        .values("tt", "tid")
        .annotate(
            day=TruncDate(Min("occurred_at", filter=THREAD_STARTED)),
            first=Min("pk", filter=THREAD_STARTED),
            answered=TruncDate(Min("occurred_at", filter=answer)),
        )
        .filter(day__isnull=False)
    )
    sql, params = rows.query.sql_with_params()
    interactions = Interaction._meta.db_table
    # the channel is the thread's first interaction's: a join on the aggregate's result
    insert_from_select(
        CommunityThread,
        ["target_type_id", "target_id", "channel", "started_on", "answered_on"],
        (
            "SELECT t.tt, t.tid, i.channel, t.day, t.answered "  # noqa: S608
            f"FROM ({sql}) AS t JOIN {interactions} AS i ON i.id = t.first",
            params,
        ),
        unique_fields=["target_type_id", "target_id"],
        update_fields=["channel", "started_on", "answered_on"],
    )


@transaction.atomic
def rollup_day(*, day: date) -> RollupDay:
    """Recompute one closed day's rollup rows (delete + insert in one transaction)."""
    if day >= timezone.localdate():
        raise RollupError(f"{day.isoformat()} is not over yet: only closed days are rolled up.")
    started = clock.perf_counter()
    start, end = day_bounds(day)
    for model in (DailyInteractions, DailyActiveCustomers, DailyPurchases, DailyBuyers):
        model.objects.filter(day=day).delete()
    DailySurveys.objects.filter(day=day).delete()
    DailyInteractions.objects.bulk_create(_interaction_rows(day, start, end), batch_size=2000)
    DailyActiveCustomers.objects.bulk_create(_active_rows(day, start, end), batch_size=2000)
    daily, buyers = _purchase_rows(day, start, end)
    DailyPurchases.objects.bulk_create(daily)
    DailyBuyers.objects.bulk_create(buyers, batch_size=2000)
    DailySurveys.objects.bulk_create(_survey_rows(day, start, end), batch_size=2000)
    _refresh_first_orders(start, end)
    _refresh_last_active(start, end)
    _refresh_threads(start, end)
    marker, _created = RollupDay.objects.update_or_create(
        day=day,
        defaults={"rolled_at": timezone.now(), "seconds": clock.perf_counter() - started},
    )
    return marker


def rollup_run(*, since: date | None = None, until: date | None = None) -> dict:
    """Roll up every closed day from ``since`` to ``until`` (both included; default
    ``until`` = yesterday, default ``since`` = the earliest raw row), in one transaction and
    with one grouped query per table (window functions find each customer's previous day),
    which is much faster than day by day for a back-fill. Returns a summary."""
    yesterday = timezone.localdate() - timedelta(days=1)
    until = min(until or yesterday, yesterday)
    since = since or earliest_day() or until
    if since > until:
        return {"days": 0, "since": since, "until": until, "seconds": 0.0}
    started = clock.perf_counter()
    _rollup_range(since, until)
    return {
        "days": (until - since).days + 1,
        "since": since,
        "until": until,
        "seconds": clock.perf_counter() - started,
    }


def _previous_days_sql(
    queryset, *, by_channel: bool, since: date, any_channel: bool = False
) -> tuple[str, list]:
    """SQL selecting ``(day, previous_day, customers)`` (with ``channel`` first when
    ``by_channel``, or ``''`` first with ``any_channel``) from days >= ``since``: the rows
    of ``queryset`` reduced to one per customer (and channel) and local day, with the
    customer's previous day before each (``LAG``). The ORM writes the inner query, so the
    time-zone conversion of the day is the backend's own."""
    fields = {"who": F("customer_id"), "day": TruncDate(_TIME[queryset.model])}
    if by_channel:
        fields["via"] = F("channel")
    inner = queryset.annotate(**fields).values(*fields)
    sql, params = inner.distinct().order_by().query.sql_with_params()
    partition = "who, via" if by_channel else "who"
    channel = "via, " if by_channel else ""
    constant = "'', " if any_channel else ""
    # Only our own column names are interpolated; every value is a parameter.
    statement = (
        f"SELECT {constant}{channel}day, previous_day, COUNT(*) FROM ("  # noqa: S608
        f"SELECT {partition}, day, LAG(day) OVER (PARTITION BY {partition} ORDER BY day) "
        f"AS previous_day FROM ({sql}) AS days) AS previous WHERE day >= %s "
        f"GROUP BY {channel}day, previous_day"
    )
    return statement, [*params, since]


@transaction.atomic
def _rollup_range(since: date, until: date) -> None:
    start, _ = day_bounds(since)
    _, end = day_bounds(until)
    started = clock.perf_counter()
    for model in (
        DailyInteractions,
        DailyActiveCustomers,
        DailyPurchases,
        DailyBuyers,
        DailySurveys,
        RollupDay,
    ):
        model.objects.filter(day__gte=since, day__lte=until).delete()
    interactions = Interaction.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    DailyInteractions.objects.bulk_create(
        [
            DailyInteractions(**row)
            for row in interaction_flags(
                interactions.annotate(day=TruncDate("occurred_at")), "day", "kind", "channel"
            ).iterator(chunk_size=5000)
        ],
        batch_size=5000,
    )
    known = Interaction.objects.filter(customer__isnull=False, occurred_at__lt=end)
    orders = Purchase.objects.orders().filter(ordered_at__lt=end)
    for model, queryset, by_channel, any_channel in (
        (DailyActiveCustomers, known, False, True),
        (DailyActiveCustomers, known, True, False),
        (DailyBuyers, orders, False, False),
    ):
        fields = ["day", "previous_day", "customers"]
        insert_from_select(
            model,
            ["channel", *fields] if model is DailyActiveCustomers else fields,
            _previous_days_sql(
                queryset, by_channel=by_channel, since=since, any_channel=any_channel
            ),
        )
    purchases = Purchase.objects.filter(ordered_at__gte=start, ordered_at__lt=end)
    DailyPurchases.objects.bulk_create(
        [
            DailyPurchases(**row)
            for row in purchases.annotate(day=TruncDate("ordered_at"))
            .order_by()
            .values("day")
            .annotate(
                orders=Count("pk", filter=Purchase.ORDER),
                refunds=Count("pk", filter=Purchase.REFUND),
                revenue=Sum("amount"),
            )
        ],
        batch_size=5000,
    )
    surveys = Survey.objects.filter(
        answered_at__gte=start, answered_at__lt=end, score__isnull=False
    )
    DailySurveys.objects.bulk_create(
        [
            DailySurveys(day=row["day"], kind=row["kind"], score=row["score"], answers=row["n"])
            for row in surveys.annotate(day=TruncDate("answered_at"))
            .order_by()
            .values("day", "kind", "score")
            .annotate(n=Count("pk"))
        ],
        batch_size=5000,
    )
    _refresh_first_orders(start, end)
    _refresh_last_active(start, end)
    _refresh_threads(start, end)
    now, seconds = timezone.now(), clock.perf_counter() - started
    days = (until - since).days + 1
    RollupDay.objects.bulk_create(
        [
            RollupDay(day=since + timedelta(days=n), rolled_at=now, seconds=seconds / days)
            for n in range(days)
        ],
        batch_size=5000,
    )


_TIME = {Interaction: "occurred_at", Purchase: "ordered_at"}


def earliest_day() -> date | None:
    """The local date of the earliest interaction, purchase or survey answer."""
    candidates = [
        Interaction.objects.aggregate(first=Min("occurred_at"))["first"],
        Purchase.objects.aggregate(first=Min("ordered_at"))["first"],
        Survey.objects.aggregate(first=Min("answered_at"))["first"],
    ]
    found = [timezone.localtime(value).date() for value in candidates if value is not None]
    return min(found) if found else None


def rollup_pending(*, max_days: int = MAX_DAYS_PER_PASS) -> dict:
    """The periodic pass: roll up the closed days that are not rolled up yet (oldest first,
    at most ``max_days``), and re-roll the last ``REPLAY_DAYS`` closed days when their rollup
    is older than ``REPLAY_AFTER`` (late arrivals, without redoing them every minute). When
    it did either, the rollups' state changed: it computes the dashboard's per-customer
    pass into the cache under the new state (``customers.warm``)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    last = RollupDay.objects.order_by("-day").values_list("day", flat=True).first()
    since = earliest_day() if last is None else last + timedelta(days=1)
    rolled = 0
    if since is not None and since <= yesterday:
        until = min(yesterday, since + timedelta(days=max_days - 1))
        rolled = rollup_run(since=since, until=until)["days"]
    stale = RollupDay.objects.filter(
        day__gt=yesterday - timedelta(days=REPLAY_DAYS),
        day__lte=yesterday,
        rolled_at__lt=timezone.now() - REPLAY_AFTER,
    ).order_by("day")
    replayed = 0
    for day in list(stale.values_list("day", flat=True)):
        rollup_day(day=day)
        replayed += 1
    if rolled or replayed:
        warm()
    return {"rolled": rolled, "replayed": replayed}
