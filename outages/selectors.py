"""Reads for outages: the status board (/status/, ``GET /api/v1/status``), incidents as a
customer sees them, the banner and the uptime arithmetic; who an incident affects; and for the
agents' incident pages, the filtered list, the audience preview, the delivery progress of the
notices (per update and channel) and compensation counts.

Everything here reads through ``Incident.objects.visible_to(user)``: customers and anonymous
visitors only ever see published incidents; agents also see drafts. The board costs a constant
number of queries however many incidents there are (services, incidents with their services,
the updates of the open ones, plus the viewer's follows when signed in).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from outages.models import (
    CompensationGrant,
    CompensationOffer,
    Incident,
    IncidentAudience,
    IncidentUpdate,
    StatusSubscription,
)
from portal.models import Customer, NotificationDelivery, Product, Subscription

HISTORY_DAYS = 90
PAST_INCIDENTS_MAX = 100
OPERATIONAL = "operational"

Impact = Incident.Impact
#: How bad an impact is, for "worst impact wins" (current state and day cells).
SEVERITY = {
    OPERATIONAL: 0,
    Impact.MAINTENANCE: 1,
    Impact.DEGRADED: 2,
    Impact.PARTIAL: 3,
    Impact.MAJOR: 4,
}
#: Impacts that count as down time in the uptime percentage.
DOWN = frozenset({Impact.PARTIAL, Impact.MAJOR})
STATE_LABELS = {OPERATIONAL: _("Operational"), **dict(Impact.choices)}
STATE_LABELS[Impact.MAINTENANCE] = _("Under maintenance")

Interval = tuple[datetime, datetime]


# --- uptime arithmetic ---------------------------------------------------------------------
def _union(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping or touching intervals (sorted, disjoint result)."""
    merged: list[list[datetime]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    lo, hi = window
    return [(max(s, lo), min(e, hi)) for s, e in intervals if e > lo and s < hi]


def _seconds(intervals: Iterable[Interval]) -> float:
    return sum((e - s).total_seconds() for s, e in intervals)


def _overlap(a: list[Interval], b: list[Interval]) -> float:
    """Seconds covered by both of two disjoint, sorted interval lists."""
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            total += (end - start).total_seconds()
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def uptime_percent(
    *, down: Iterable[Interval], maintenance: Iterable[Interval], window: Interval
) -> float:
    """Uptime of one service over ``window``, in percent (0-100).

    ``uptime = (W - D) / (W - M) * 100`` where, all in minutes within the window,
    W is the window's length, D the time inside a partial or major outage (overlapping
    incidents counted once) and M the time in maintenance that is not also down time.
    Degraded performance counts as up; maintenance is left out of both terms (planned work
    neither lowers nor raises the figure). A window that is all maintenance is 100%.
    """
    down_u = _union(_clip(down, window))
    maint_u = _union(_clip(maintenance, window))
    total = (window[1] - window[0]).total_seconds()
    down_s = _seconds(down_u)
    maint_only = _seconds(maint_u) - _overlap(down_u, maint_u)
    counted = total - maint_only
    if counted <= 0:
        return 100.0
    return max(0.0, min(100.0, (counted - down_s) / counted * 100))


# --- the board -----------------------------------------------------------------------------
@dataclass
class DayCell:
    day: date
    impact: str  # OPERATIONAL or an Incident.Impact value

    @property
    def label(self):
        return STATE_LABELS[self.impact] if self.impact != OPERATIONAL else _("No incidents")


@dataclass
class ServiceStatus:
    product: Product
    state: str
    current: list[Incident] = field(default_factory=list)
    days: list[DayCell] = field(default_factory=list)
    uptime: float = 100.0
    following: bool = False
    uses: bool = False  # the viewer has an active subscription to it

    @property
    def state_label(self):
        return STATE_LABELS[self.state]

    @property
    def uptime_shown(self) -> float:
        """The uptime rounded down to two decimals: a service that was down at all never
        shows 100 (99.9999 would round up to "100.00")."""
        return math.floor(self.uptime * 100) / 100

    @property
    def incident_days(self) -> int:
        return sum(1 for day in self.days if day.impact != OPERATIONAL)


@dataclass
class StatusBoard:
    now: datetime
    services: list[ServiceStatus]
    open_incidents: list[Incident]  # started, not resolved: with ``public_updates``
    scheduled: list[Incident]  # not started yet (maintenance announced ahead)
    past: list[Incident]  # resolved in the last HISTORY_DAYS days, newest first

    @property
    def overall(self) -> str:
        return max((s.state for s in self.services), key=SEVERITY.__getitem__, default=OPERATIONAL)

    @property
    def overall_label(self):
        return {
            OPERATIONAL: _("All services are operating normally"),
            Impact.MAINTENANCE: _("Scheduled maintenance in progress"),
            Impact.DEGRADED: _("Some services are degraded"),
            Impact.PARTIAL: _("Some services are partly down"),
            Impact.MAJOR: _("A major outage is in progress"),
        }[self.overall]


def services() -> QuerySet[Product]:
    return Product.objects.filter(kind=Product.Kind.SERVICE, is_active=True).order_by("name")


def public_updates(user) -> QuerySet[IncidentUpdate]:
    """The updates ``user`` may read: published ones (agents also see drafts)."""
    from portal import roles

    updates = IncidentUpdate.objects.order_by("-created_at", "-pk")
    if user is not None and user.is_authenticated and roles.is_agent(user):
        return updates
    return updates.filter(published_at__isnull=False)


def window_start(now: datetime) -> datetime:
    """Midnight (current time zone) at the start of the first of the HISTORY_DAYS days."""
    first = timezone.localdate(now) - timedelta(days=HISTORY_DAYS - 1)
    return timezone.make_aware(datetime.combine(first, datetime.min.time()))


def incident_span(incident: Incident, now: datetime) -> Interval:
    """When the incident affected its services: until now while open, else until it ended."""
    end = now if incident.is_open else (incident.ends_at or incident.starts_at)
    return incident.starts_at, max(incident.starts_at, end)


def board_incidents(user, now: datetime) -> list[Incident]:
    """Incidents the board needs: open ones (including scheduled) and those that overlap the
    history window; with their services (one query each, whatever the number)."""
    since = window_start(now)
    return list(
        Incident.objects.visible_to(user)
        .filter(
            ~Q(status=Incident.Status.RESOLVED)
            | Q(ends_at__gte=since)
            | Q(ends_at__isnull=True, starts_at__gte=since)
        )
        .prefetch_related(Prefetch("products", queryset=Product.objects.only("pk", "name", "slug")))
        .order_by("-starts_at", "-pk")
    )


def status_board(*, user=None, now: datetime | None = None) -> StatusBoard:
    now = now or timezone.now()
    incidents = board_incidents(user, now)
    started = [i for i in incidents if i.starts_at <= now]
    open_now = [i for i in started if i.is_open]
    scheduled = sorted(
        (i for i in incidents if i.is_open and i.starts_at > now), key=lambda i: i.starts_at
    )
    attach_updates(open_now, user)

    since = window_start(now)
    first_day = timezone.localdate(since)
    days = [first_day + timedelta(days=n) for n in range(HISTORY_DAYS)]
    by_product: dict[int, list[Incident]] = defaultdict(list)
    for incident in started:
        for product in incident.products.all():
            by_product[product.pk].append(incident)

    following, uses = _following(user), _uses(user)
    rows = []
    for product in services():
        mine = by_product.get(product.pk, [])
        current = [i for i in mine if i.is_open]
        state = max((i.impact for i in current), key=SEVERITY.__getitem__, default=OPERATIONAL)
        rows.append(
            ServiceStatus(
                product=product,
                state=state,
                current=current,
                days=_day_cells(mine, days, now),
                uptime=uptime_percent(
                    down=[incident_span(i, now) for i in mine if i.impact in DOWN],
                    maintenance=[
                        incident_span(i, now) for i in mine if i.impact == Impact.MAINTENANCE
                    ],
                    window=(since, now),
                ),
                following=product.pk in following,
                uses=product.pk in uses,
            )
        )
    past = [i for i in started if not i.is_open][:PAST_INCIDENTS_MAX]
    return StatusBoard(now, rows, open_now, scheduled, past)


def attach_updates(incidents: list[Incident], user) -> None:
    """``incident.public_updates``, newest first, for every incident in one query."""
    updates = defaultdict(list)
    by_pk = {incident.pk: incident for incident in incidents}
    if incidents:
        for update in public_updates(user).filter(incident__in=list(by_pk)):
            update.incident = by_pk[update.incident_id]  # its state needs it: no query
            updates[update.incident_id].append(update)
    for incident in incidents:
        incident.public_updates = updates[incident.pk]


def _day_cells(incidents: list[Incident], days: list[date], now: datetime) -> list[DayCell]:
    worst = dict.fromkeys(days, OPERATIONAL)
    first, last = days[0], days[-1]
    for incident in incidents:
        start, end = incident_span(incident, now)
        day = max(timezone.localdate(start), first)
        stop = min(timezone.localdate(end), last)
        while day <= stop:
            if SEVERITY[incident.impact] > SEVERITY[worst[day]]:
                worst[day] = incident.impact
            day += timedelta(days=1)
    return [DayCell(day, worst[day]) for day in days]


def _following(user) -> set[int]:
    customer = _customer(user)
    if customer is None:
        return set()
    return set(
        StatusSubscription.objects.filter(customer=customer).values_list("product_id", flat=True)
    )


def _uses(user) -> set[int]:
    customer = _customer(user)
    if customer is None:
        return set()
    return set(
        Subscription.objects.active().filter(customer=customer).values_list("product_id", flat=True)
    )


def _customer(user) -> Customer | None:
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "customer", None)


# --- one incident, as the viewer sees it ----------------------------------------------------
def incident_for(user, pk: int) -> Incident:
    """The incident (404 when the viewer may not see it) with its services and updates."""
    incident = get_object_or_404(
        Incident.objects.visible_to(user).prefetch_related("products"), pk=pk
    )
    incident.public_updates = list(public_updates(user).filter(incident=incident))
    for update in incident.public_updates:
        update.incident = incident
    return incident


@dataclass
class Affected:
    """What the incident means for one customer."""

    affected: bool
    offer: CompensationOffer | None
    grant: CompensationGrant | None

    @property
    def can_claim(self) -> bool:
        return self.affected and self.offer is not None and self.grant is None


def affected_view(incident: Incident, customer: Customer | None) -> Affected:
    offer = CompensationOffer.objects.filter(incident=incident).first()
    if customer is None:
        return Affected(False, offer, None)
    affected = IncidentAudience.objects.filter(incident=incident, customer=customer).exists()
    grant = (
        CompensationGrant.objects.filter(incident=incident, customer=customer).first()
        if affected
        else None
    )
    return Affected(affected, offer, grant)


# --- what is cached, and dropping it when incidents change -----------------------------------
BANNER_TTL = 60
BANNER_VERSION_KEY = "outages:banner:version"


def status_cache_key(language: str | None = None) -> str:
    """The anonymous status body, per language (see ``views._board_html``)."""
    return f"outages:status:body:{language or get_language()}"


def banner_key(user_id: int, version: int = 0) -> str:
    return f"outages:banner:{version}:{user_id}"


def status_caches_clear() -> None:
    """Make ``/status/``, the incident pages and the banners fresh at once: drop the status
    body in every language, bump the banners' version (every user's cached banner is then
    stale) and clear the visitor page cache (``portal.pagecache``), which holds anonymous
    copies of /status/ and of the incident pages."""
    from portal.pagecache import page_cache_clear

    cache.delete_many([status_cache_key(code) for code, _name in settings.LANGUAGES])
    try:
        cache.incr(BANNER_VERSION_KEY)
    except ValueError:  # no version yet
        cache.set(BANNER_VERSION_KEY, 1, timeout=None)
    page_cache_clear()


def banner_incidents(user) -> list[dict]:
    """Open published incidents whose frozen audience includes the signed-in user's customer
    record: at most one query, then cached per user for BANNER_TTL seconds (or until an
    incident changes: ``status_caches_clear``)."""
    if user is None or not user.is_authenticated:
        return []
    version = cache.get(BANNER_VERSION_KEY, 0)
    key = banner_key(user.pk, version)
    cached = cache.get(key)
    if cached is None:
        cached = list(
            Incident.objects.published()
            .open()
            .filter(audience__customer__user_id=user.pk)
            .order_by("-starts_at", "-pk")
            .values("pk", "title", "title_it", "impact")[:3]
        )
        cache.set(key, cached, BANNER_TTL)
    return cached


# --- who an incident affects, and its notices ---------------------------------------------
def affected_customers(incident: Incident):
    """Customers with an active subscription to an affected service (in the region, if any)."""
    subscriptions = Subscription.objects.active().filter(product__in=incident.products.all())
    if incident.region:
        subscriptions = subscriptions.filter(region=incident.region)
    return Customer.objects.filter(pk__in=subscriptions.values("customer_id"))


def notice_event_key(incident: Incident, update: IncidentUpdate) -> str:
    """The notification event of one update's notice (deliveries are unique per event)."""
    return f"incident:{incident.pk}:update:{update.pk}"


# --- the agents' incident pages -------------------------------------------------------------
FAILURES_SHOWN = 20


def desk_incidents(*, user, q: str = "", status: str = "", impact: str = "", product=None):
    """Incidents for the desk list: open ones first (newest first), then the resolved."""
    incidents = Incident.objects.visible_to(user)
    if q:
        incidents = incidents.filter(
            Q(title__icontains=q) | Q(title_it__icontains=q) | Q(region__icontains=q)
        )
    if status == "open":
        incidents = incidents.open()
    elif status == "resolved":
        incidents = incidents.filter(status=Incident.Status.RESOLVED)
    elif status == "draft":
        incidents = incidents.filter(published_at__isnull=True)
    if impact:
        incidents = incidents.filter(impact=impact)
    if product is not None:
        incidents = incidents.filter(products=product)
    return (
        incidents.annotate(
            done=Case(
                When(status=Incident.Status.RESOLVED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            audience_size=Count("audience", distinct=True),
        )
        .prefetch_related("products")
        .order_by("done", "-starts_at", "-pk")
    )


def audience_preview(incident: Incident) -> int:
    """How many customers the incident affects now (the query, not the frozen audience)."""
    return affected_customers(incident).count()


@dataclass
class UpdateProgress:
    update: IncidentUpdate
    web: int = 0
    email_sent: int = 0
    email_pending: int = 0
    email_failed: int = 0

    @property
    def total(self) -> int:
        """Every delivery of this update so far (none: the fan-out has not reached it)."""
        return self.web + self.email_sent + self.email_pending + self.email_failed


@dataclass
class Progress:
    audience: int
    updates: list[UpdateProgress]
    failures: list[NotificationDelivery] = field(default_factory=list)

    @property
    def web(self) -> int:
        return sum(u.web for u in self.updates)

    @property
    def email_sent(self) -> int:
        return sum(u.email_sent for u in self.updates)

    @property
    def email_pending(self) -> int:
        return sum(u.email_pending for u in self.updates)

    @property
    def email_failed(self) -> int:
        return sum(u.email_failed for u in self.updates)


def delivery_progress(incident: Incident) -> Progress:
    """The frozen audience and, for each published update, the notices delivered per
    channel (emails sent, still pending, failed), plus the latest failures."""
    updates = list(incident.updates.all())
    rows = {u.pk: UpdateProgress(u) for u in updates}
    keys = {notice_event_key(incident, u): u.pk for u in updates if u.published_at is not None}
    deliveries = NotificationDelivery.objects.filter(event_key__in=keys)
    for key, channel, status, count in (
        deliveries.order_by().values_list("event_key", "channel", "status").annotate(n=Count("pk"))
    ):
        row = rows[keys[key]]
        if channel == NotificationDelivery.Channel.WEB:
            row.web += count
        elif status == NotificationDelivery.Status.SENT:
            row.email_sent += count
        elif status == NotificationDelivery.Status.FAILED:
            row.email_failed += count
        else:
            row.email_pending += count
    failures = list(
        deliveries.filter(channel=NotificationDelivery.Channel.EMAIL)
        .exclude(last_error="")
        .select_related("recipient")
        .order_by("-created_at", "-pk")[:FAILURES_SHOWN]
    )
    return Progress(
        audience=IncidentAudience.objects.filter(incident=incident).count(),
        updates=list(rows.values()),
        failures=failures,
    )


#: The fan-out task (``outages.tasks.notices_fan_out``) as the database task queue names it.
FAN_OUT_TASK = "outages.tasks.notices_fan_out"


@dataclass(frozen=True)
class NoticeState:
    """Where the notices of an incident stand, for the agent's page (from the database: the
    fan-out task's row when tasks are queued in the database, and the delivery rows).

    ``stage`` is one of: ``draft`` (not published), ``queued`` (published, the fan-out has
    not started), ``sending`` (the fan-out runs, or emails wait to be handed to the mail
    server), ``sent`` (every email went out), ``failed`` (done, some emails failed, or the
    fan-out itself failed: ``fan_out_failed``), ``nobody`` (done, no email to send)."""

    stage: str
    emails: int = 0
    sent: int = 0
    failed: int = 0
    web: int = 0
    fan_out_failed: bool = False
    preparing: bool = False  # the fan-out task runs: more recipients are being added

    @property
    def pending(self) -> int:
        return max(self.emails - self.sent - self.failed, 0)

    @property
    def done(self) -> int:
        """Emails that reached an end (sent or failed): the progress bar's value."""
        return self.sent + self.failed

    @property
    def running(self) -> bool:
        """Still moving: the page refreshes itself meanwhile."""
        return self.stage in ("queued", "sending")


def _fan_out_task_status(incident: Incident, since: datetime) -> str | None:
    """The status of the incident's latest fan-out task that is waiting or running (or failed
    since ``since``, its latest publication), when tasks are queued in the database; None when
    there is none (finished, or run by a backend that keeps no rows)."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    ours = DBTaskResult.objects.filter(task_path=FAN_OUT_TASK, args_kwargs__args=[incident.pk])
    live = (
        ours.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .order_by("-enqueued_at")
        .values_list("status", flat=True)
        .first()
    )
    if live is not None:
        return live
    failed = ours.filter(status=TaskResultStatus.FAILED, enqueued_at__gte=since).exists()
    return TaskResultStatus.FAILED if failed else None


def notice_state(incident: Incident, progress: Progress) -> NoticeState:
    """The notices' stage for ``incident`` (``progress``: ``delivery_progress(incident)``)."""
    from django.tasks import TaskResultStatus

    if incident.published_at is None:
        return NoticeState(stage="draft")
    published = [row.update.published_at for row in progress.updates if row.update.published_at]
    since = max(published, default=incident.published_at)
    counts = {
        "emails": progress.email_sent + progress.email_pending + progress.email_failed,
        "sent": progress.email_sent,
        "failed": progress.email_failed,
        "web": progress.web,
    }
    task = _fan_out_task_status(incident, since)
    if task == TaskResultStatus.READY:
        return NoticeState(stage="queued", **counts)
    if task == TaskResultStatus.RUNNING or progress.email_pending:
        preparing = task == TaskResultStatus.RUNNING
        return NoticeState(stage="sending", preparing=preparing, **counts)
    if task == TaskResultStatus.FAILED:
        return NoticeState(stage="failed", fan_out_failed=True, **counts)
    if progress.email_failed:
        return NoticeState(stage="failed", **counts)
    if not counts["emails"]:
        return NoticeState(stage="nobody", **counts)
    return NoticeState(stage="sent", **counts)


@dataclass(frozen=True)
class CompensationSummary:
    granted: int
    claimed: int
    redeemed: int
    cost: Decimal


def compensation_summary(incident: Incident) -> CompensationSummary:
    totals = CompensationGrant.objects.filter(incident=incident).aggregate(
        granted=Count("pk"),
        claimed=Count("pk", filter=Q(claimed=True)),
        redeemed=Count("pk", filter=Q(redeemed_at__isnull=False)),
        cost=Sum("amount"),
    )
    return CompensationSummary(
        granted=totals["granted"],
        claimed=totals["claimed"],
        redeemed=totals["redeemed"],
        cost=totals["cost"] or Decimal(0),
    )
