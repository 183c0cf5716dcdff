"""What every metric shares: the period, the segment, the registry and a few SQL helpers.

A metric is a function ``f(period, segment) -> float | None`` computed by the database
(aggregates, ``Subquery``/``Exists``; never a Python loop over rows). ``None`` means the
metric is undefined for the period (no responses, no customers at the start, ...), which the
report shows as "-" and ``metrics --json`` as ``null``.

Periods are calendar dates, both inclusive, in the site's time zone (``TIME_ZONE``): the
period 2026-01-01..2026-01-31 is ``[2026-01-01 00:00, 2026-02-01 00:00)`` local time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Exists, FloatField, Func, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.db.session import postgresql_settings
from portal.models import Customer, Purchase, Subscription


# --- the period ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """Calendar days ``start`` to ``end``, both included, in the site's time zone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(_("The period ends before it starts."))

    @classmethod
    def last_days(cls, days: int, *, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - timedelta(days=days - 1), today)

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """The exclusive end: midnight after the last day."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


# --- the segment --------------------------------------------------------------------------------
def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True, eq=False)
class Segment:
    """Which customers (and interactions) a metric looks at; empty fields mean "all".

    - ``product``: customers who subscribe to or bought the product; purchase metrics count
      only that product's orders.
    - ``organisation``: the organisation's member customers.
    - ``cohort``: customers whose first order fell in that month (``date`` of the 1st).
    - ``channel``: interaction-based metrics (engagement, service metrics) count only that
      channel; customer and purchase metrics are not channel-specific and ignore it.
    - ``value_band``: the value band from the last ``clv_fit`` (``ValueBand``: the quantile
      of the predicted value; an analytics segment, not the loyalty programme's tier);
      customers not scored by the fit are in no band.
    - ``loyalty_tier``: the loyalty programme's tier now (a ``loyalty.Tier`` slug);
      ``LOYALTY_MEMBERS`` (customers with any points in the ledger) or ``LOYALTY_NON_MEMBERS``
      (none) compare the programme's members with everyone else.
    - ``customers``: an explicit customer queryset (the incident-impact groups use it).

    **Identity.** A segment is a key of the shared aggregates (``shared``), so two segments
    are equal only when they select the same customers. The explicit customer set compares
    by identity: the same queryset object is the same set (a group's metrics share their
    aggregates), another queryset is another segment, even when it would select the same
    rows. (It used to be left out of the comparison, so every explicit group shared the
    whole population's cached numbers inside ``shared_queries``.)
    """

    product: int | None = None
    organisation: int | None = None
    cohort: date | None = None
    channel: str | None = None
    value_band: str | None = None
    loyalty_tier: str | None = None
    customers: QuerySet | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Segment):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def _identity(self) -> tuple:
        # ``is``, never ``==``, for the queryset: comparing querysets must not run them
        return (
            self.product,
            self.organisation,
            self.cohort,
            self.channel,
            self.value_band,
            self.loyalty_tier,
            None if self.customers is None else id(self.customers),
        )

    @property
    def is_everyone(self) -> bool:
        return not (
            self.product
            or self.organisation
            or self.cohort
            or self.value_band
            or self.loyalty_tier
            or self.customers is not None
        )

    def customer_q(self, prefix: str = "") -> Q:
        """A filter on a model whose ``<prefix>`` path leads to ``Customer`` (``""`` for the
        Customer model itself, ``"customer__"`` for a row with a ``customer`` key)."""
        pk = f"{prefix}pk" if prefix else "pk"
        q = Q()
        if self.organisation:
            q &= Q(**{f"{prefix}organisation_id": self.organisation})
        if self.product:
            q &= Q(
                Exists(Subscription.objects.filter(customer=OuterRef(pk), product_id=self.product))
            ) | Q(Exists(Purchase.objects.filter(customer=OuterRef(pk), product_id=self.product)))
        if self.cohort:
            start = timezone.make_aware(datetime.combine(month_start(self.cohort), time.min))
            end = timezone.make_aware(datetime.combine(next_month(self.cohort), time.min))
            first_orders = (
                Purchase.objects.orders()
                .values("customer")
                .annotate(first=Min("ordered_at"))
                .filter(first__gte=start, first__lt=end)
                .values("customer")
            )
            q &= Q(**{f"{pk}__in": first_orders})
        if self.value_band:
            q &= Q(**{f"{prefix}insights_score__value_band": self.value_band})
        if self.loyalty_tier:
            q &= _loyalty_q(self.loyalty_tier, pk, prefix)
        if self.customers is not None:
            q &= Q(**{f"{pk}__in": self.customers.values("pk")})
        return q

    def customers_qs(self) -> QuerySet:
        return Customer.objects.filter(self.customer_q())

    def on_rows(self, queryset: QuerySet, *, customer_path: str = "customer") -> QuerySet:
        """``queryset`` (rows with a customer key) restricted to the segment's customers."""
        if self.is_everyone:
            return queryset
        return queryset.filter(self.customer_q(f"{customer_path}__"))

    def on_purchases(self, queryset: QuerySet) -> QuerySet:
        queryset = self.on_rows(queryset)
        if self.product:
            queryset = queryset.filter(product_id=self.product)
        return queryset

    def on_interactions(self, queryset: QuerySet) -> QuerySet:
        queryset = self.on_rows(queryset)
        if self.channel:
            queryset = queryset.filter(channel=self.channel)
        return queryset


EVERYONE = Segment()
LOYALTY_MEMBERS, LOYALTY_NON_MEMBERS = "members", "non-members"


def loyalty_tier_choices() -> list[str]:
    """What ``Segment.loyalty_tier`` accepts: every tier's slug, then members and non-members."""
    from loyalty.models import Tier

    return [
        *Tier.objects.order_by("rank").values_list("slug", flat=True),
        LOYALTY_MEMBERS,
        LOYALTY_NON_MEMBERS,
    ]


def _loyalty_q(loyalty_tier: str, pk: str, prefix: str) -> Q:
    from loyalty.models import PointsEntry

    if loyalty_tier in (LOYALTY_MEMBERS, LOYALTY_NON_MEMBERS):
        member = Q(Exists(PointsEntry.objects.filter(customer=OuterRef(pk))))
        return member if loyalty_tier == LOYALTY_MEMBERS else ~member
    return Q(**{f"{prefix}loyalty_account__tier__slug": loyalty_tier})


# --- the registry -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Metric:
    name: str  # snake_case key in ``metrics --json`` and the API
    label: str
    formula: str  # shown on the report page, next to the number
    unit: str  # "rate" (fraction 0..1), "score", "money", "number"
    compute: Callable[[Period, Segment], float | None]
    family: str
    higher_is_better: bool = True

    do_not_call_in_templates = True  # templates read its fields; they must not call it

    def __call__(self, period: Period, segment: Segment = EVERYONE) -> float | None:
        return self.compute(period, segment)


REGISTRY: dict[str, Metric] = {}


def metric(
    name: str,
    *,
    label: str,
    formula: str,
    unit: str,
    family: str,
    higher_is_better: bool = True,
):
    """Register a metric function under ``name`` (order of registration = report order)."""

    def register(function: Callable[[Period, Segment], float | None]) -> Metric:
        if name in REGISTRY:
            raise ValueError(f"metric {name!r} registered twice")
        REGISTRY[name] = Metric(
            name=name,
            label=label,
            formula=formula,
            unit=unit,
            compute=function,
            family=family,
            higher_is_better=higher_is_better,
        )
        return REGISTRY[name]

    return register


# --- small helpers ------------------------------------------------------------------------------
def ratio(numerator, denominator) -> float | None:
    """``numerator / denominator`` as a float, ``None`` when the denominator is 0 or None."""
    if not denominator:
        return None
    return float(numerator or 0) / float(denominator)


class Days(Func):
    """A datetime as a number of days (fractional), for differences and averages on every
    backend: ``julianday()`` on SQLite, ``date_part('epoch', ...) / 86400`` elsewhere."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="julianday", **extra)

    def as_sql(self, compiler, connection, function=None, template=None, **extra):
        if function == "julianday":
            return super().as_sql(compiler, connection, function=function, **extra)
        return super().as_sql(
            compiler,
            connection,
            # date_part is double precision; EXTRACT is numeric since PostgreSQL 14, and
            # its arithmetic was a fifth of the per-customer pass's outer aggregate
            template="(date_part('epoch', %(expressions)s) / 86400.0)",
            **extra,
        )


_shared: ContextVar[dict | None] = ContextVar("insights_shared_queries", default=None)


@contextmanager
def shared_queries() -> Iterator[None]:
    """Inside this block, metrics that need the same aggregate (orders and revenue for
    frequency, AOV and CLV; the customer base for retention and churn) run it once.

    On PostgreSQL it also turns JIT compilation off for the block: the planner's cost
    estimates of these one-off statements (correlated sub-plans over every customer) are
    high enough to trigger it, and compiling them took longer than running them (2.8 s of
    a 5 s statement in the benchmark). And it gives the block's statements ``WORK_MEM``:
    the per-customer pass hashes every customer and the lifecycle sorts them, which spill
    to disk with PostgreSQL's default of 4 MB (a third of their time at 100,000
    customers)."""
    if _shared.get() is not None:  # nested: the outer block's cache and settings hold
        yield
        return
    token = _shared.set({})
    try:
        with postgresql_settings(jit="off", work_mem=WORK_MEM):
            yield
    finally:
        _shared.reset(token)


#: PostgreSQL's memory for each sort or hash of the engine's statements (see shared_queries).
WORK_MEM = "64MB"


def shared(key: tuple, compute: Callable[[], dict]) -> dict:
    cache = _shared.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def remember(key: tuple, value: dict) -> None:
    """Store an aggregate another computation found on the way (inside ``shared_queries``;
    a no-op outside it), so the metric that needs it does not run its own query."""
    cache = _shared.get()
    if cache is not None:
        cache.setdefault(key, value)


def inactivity_window() -> timedelta:
    return timedelta(days=settings.INSIGHTS_INACTIVITY_DAYS)
