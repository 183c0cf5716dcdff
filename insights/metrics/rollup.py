"""Where a metric's numbers come from: the daily rollups for closed days, live queries for
the rest.

**The rule** (``split``): a period is read from the rollups when *every* closed day of it
(up to yesterday) is rolled up (``RollupDay``); the days after the last closed one (today)
are then a live query on the raw rows, added to the rolled-up part. If any closed day of the
period is missing, the whole period is computed live, so a metric never mixes a partial
rollup with gaps and always returns the same number as the live query: the rollup only
makes it faster. (The hand-computed tests run without rollups, i.e. live; the rollup tests
check that both give the same numbers.)

Rollups have no customer dimension, so only the "everyone" segment (optionally one channel,
for the interaction metrics) reads them; a segment by product, organisation, cohort or an
explicit customer list is always live.

Distinct customer counts over a range use the rollups' *previous day* column: the customers
active in [a, b] are those whose previous active day, on the first active day in the range,
is before a. The live tail adds the customers active in it who were not active in the
rolled-up part.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from insights.metrics.base import Period, Segment, shared
from insights.models import (
    CustomerChannelActivity,
    DailyActiveCustomers,
    DailyBuyers,
    DailyInteractions,
    DailyPurchases,
    DailySurveys,
    RollupDay,
)
from portal.models import Interaction, InteractionKind, Purchase

FLAGS = (
    "interactions",
    "customer_interactions",
    "first_contact",
    "sla_met",
    "sla_missed",
    "automated",
)


def enabled() -> bool:
    return settings.INSIGHTS_ROLLUPS


def split(period: Period) -> tuple[Period | None, Period | None]:
    """``(rolled, live)``: the rolled-up part of the period (closed days, all rolled up) and
    the live rest (``None`` when empty). ``(None, period)`` when the rollups cannot be used."""
    return shared(("split", period), lambda: _split(period))


def _split(period: Period) -> tuple[Period | None, Period | None]:
    if not enabled():
        return None, period
    last_closed = min(period.end, timezone.localdate() - timedelta(days=1))
    if last_closed < period.start:
        return None, period
    rolled = Period(period.start, last_closed)
    if RollupDay.objects.filter(day__gte=rolled.start, day__lte=rolled.end).count() != rolled.days:
        return None, period
    live = Period(last_closed + timedelta(days=1), period.end) if last_closed < period.end else None
    return rolled, live


def usable(period: Period, segment: Segment) -> tuple[Period, Period | None] | None:
    """The split when this segment may read the rollups, else ``None`` (compute live)."""
    if not segment.is_everyone:
        return None
    rolled, live = split(period)
    return None if rolled is None else (rolled, live)


def _in_range(period: Period, prefix: str = "day") -> Q:
    return Q(**{f"{prefix}__gte": period.start, f"{prefix}__lte": period.end})


def _first_in_range(period: Period) -> Q:
    """Rollup rows of a customer's first active day in ``period``."""
    return _in_range(period) & (Q(previous_day__isnull=True) | Q(previous_day__lt=period.start))


# --- interactions ---------------------------------------------------------------------------
def interaction_flags(queryset: QuerySet, *group: str) -> QuerySet:
    """Raw interactions grouped by ``group`` with the counts the rollup keeps (``FLAGS``)."""
    K = InteractionKind
    return (
        queryset.order_by()
        .values(*group)
        .annotate(
            interactions=Count("pk"),
            customer_interactions=Count("customer"),
            first_contact=Count(
                "pk", filter=Q(kind=K.TICKET_RESOLVED, metadata__first_contact_resolution=True)
            ),
            sla_met=Count("pk", filter=Q(kind=K.TICKET_RESOLVED, metadata__sla_met=True)),
            sla_missed=Count("pk", filter=Q(kind=K.TICKET_RESOLVED, metadata__sla_met=False)),
            automated=Count("pk", filter=Q(kind=K.CATALOGUE_FULFILLED, metadata__automated=True)),
        )
    )


def _live_interactions(period: Period, channel: str | None) -> QuerySet:
    rows = Interaction.objects.filter(
        occurred_at__gte=period.start_at, occurred_at__lt=period.end_at
    )
    return rows.filter(channel=channel) if channel else rows


def kind_counts(period: Period, segment: Segment) -> dict[str, dict[str, int]] | None:
    """Per kind, the ``FLAGS`` counts over the period (everyone; the segment's channel), or
    ``None`` when the rollups cannot be used."""
    parts = usable(period, segment)
    if parts is None:
        return None
    return shared(("kinds", period, segment.channel), lambda: _kind_counts(*parts, segment.channel))


def _kind_counts(rolled: Period, live: Period | None, channel: str | None) -> dict:
    totals: dict[str, dict[str, int]] = {}

    def add(rows) -> None:
        for row in rows:
            into = totals.setdefault(row["kind"], dict.fromkeys(FLAGS, 0))
            for flag in FLAGS:
                into[flag] += row[flag] or 0

    daily = DailyInteractions.objects.filter(_in_range(rolled))
    if channel:
        daily = daily.filter(channel=channel)
    add(daily.order_by().values("kind").annotate(**{flag: Sum(flag) for flag in FLAGS}))
    if live is not None:
        add(interaction_flags(_live_interactions(live, channel), "kind"))
    return totals


def count(counts: dict[str, dict[str, int]], kind: str, flag: str = "interactions") -> int:
    return counts.get(kind, {}).get(flag, 0)


def active_customers(period: Period, segment: Segment) -> int | None:
    """Distinct customers with an interaction in the period (on the segment's channel)."""
    parts = usable(period, segment)
    if parts is None:
        return None
    rolled, live = parts
    channel = segment.channel or ""
    total = (
        DailyActiveCustomers.objects.filter(_first_in_range(rolled), channel=channel).aggregate(
            n=Sum("customers")
        )["n"]
        or 0
    )
    if live is not None:
        total += _live_new_active(rolled, live, segment.channel).aggregate(
            n=Count("customer", distinct=True)
        )["n"]
    return total


def _live_new_active(rolled: Period, live: Period, channel: str | None, *, same_channel=False):
    """Live interactions of customers not active in the rolled-up part (on ``channel``, or
    on the row's own channel with ``same_channel``): their latest rolled-up active day,
    kept by the rollup, is before the period (every closed day of it is rolled up, so that
    day is exact for this question)."""
    if channel or same_channel:
        seen = CustomerChannelActivity.objects.filter(
            customer=OuterRef("customer"),
            channel=channel or OuterRef("channel"),
            last_day__gte=rolled.start,
        )
        earlier = Exists(seen)
    else:
        earlier = Q(customer__insights_activity__last_active_day__gte=rolled.start)
    return (
        _live_interactions(live, channel).filter(customer__isnull=False).exclude(earlier).order_by()
    )


def channel_rows(period: Period, segment: Segment) -> tuple[int, list[dict]] | None:
    """``(active customers, [{channel, interactions, customers}])`` from the rollups."""
    parts = usable(period, segment)
    if parts is None:
        return None
    rolled, live = parts
    rows: dict[str, dict[str, int]] = {}

    def add(channel: str, interactions: int = 0, customers: int = 0) -> None:
        row = rows.setdefault(channel, {"interactions": 0, "customers": 0})
        row["interactions"] += interactions or 0
        row["customers"] += customers or 0

    daily = DailyInteractions.objects.filter(_in_range(rolled))
    active = DailyActiveCustomers.objects.filter(_first_in_range(rolled)).exclude(channel="")
    if segment.channel:
        daily, active = (
            daily.filter(channel=segment.channel),
            active.filter(channel=segment.channel),
        )
    for row in daily.order_by().values("channel").annotate(n=Sum("customer_interactions")):
        add(row["channel"], interactions=row["n"])
    for row in active.order_by().values("channel").annotate(n=Sum("customers")):
        add(row["channel"], customers=row["n"])
    if live is not None:
        known = _live_interactions(live, segment.channel).filter(customer__isnull=False)
        for row in known.order_by().values("channel").annotate(n=Count("pk")):
            add(row["channel"], interactions=row["n"])
        new = _live_new_active(rolled, live, segment.channel, same_channel=True)
        for row in new.values("channel").annotate(n=Count("customer", distinct=True)):
            add(row["channel"], customers=row["n"])
    listed = [
        {"channel": channel, **values} for channel, values in rows.items() if values["interactions"]
    ]
    return active_customers(period, segment) or 0, listed


# --- purchases ------------------------------------------------------------------------------
def order_totals(period: Period, segment: Segment) -> dict | None:
    """``orders``, ``revenue`` (net) and ``customers`` (distinct, with an order) from the
    rollups, or ``None`` when they cannot be used (purchases ignore the channel)."""
    parts = usable(period, Segment())  # channel does not apply to purchases
    if parts is None or not segment.is_everyone:
        return None
    rolled, live = parts
    sums = DailyPurchases.objects.filter(_in_range(rolled)).aggregate(
        orders=Sum("orders"), revenue=Sum("revenue")
    )
    orders, revenue = sums["orders"] or 0, sums["revenue"] or Decimal(0)
    customers = (
        DailyBuyers.objects.filter(_first_in_range(rolled)).aggregate(n=Sum("customers"))["n"] or 0
    )
    if live is not None:
        rows = Purchase.objects.filter(ordered_at__gte=live.start_at, ordered_at__lt=live.end_at)
        tail = rows.aggregate(orders=Count("pk", filter=Purchase.ORDER), revenue=Sum("amount"))
        orders += tail["orders"]
        revenue += tail["revenue"] or 0
        earlier = Purchase.objects.orders().filter(
            customer=OuterRef("customer"),
            ordered_at__gte=rolled.start_at,
            ordered_at__lt=rolled.end_at,
        )
        customers += (
            rows.orders()
            .filter(~Exists(earlier))
            .aggregate(n=Count("customer", distinct=True))["n"]
        )
    return {"orders": orders, "revenue": float(revenue), "customers": customers}


# --- surveys --------------------------------------------------------------------------------
def score_counts(period: Period, segment: Segment, kind: str, live_rows) -> dict[int, int] | None:
    """Answers by score of one survey kind; ``live_rows(period)`` gives the live answers
    (``insights.metrics.surveys.answered``). ``None`` when the rollups cannot be used."""
    parts = usable(period, Segment())  # surveys ignore the channel
    if parts is None or not segment.is_everyone:
        return None
    rolled, live = parts
    counts: dict[int, int] = {}
    daily = DailySurveys.objects.filter(_in_range(rolled), kind=kind)
    for score, n in daily.order_by().values_list("score").annotate(n=Sum("answers")):
        counts[score] = counts.get(score, 0) + n
    if live is not None:
        for score, n in live_rows(live).order_by().values_list("score").annotate(n=Count("pk")):
            counts[score] = counts.get(score, 0) + n
    return counts
