"""Reads for the agents' incident pages: the filtered list, the audience preview and the
delivery progress of the notices (per update and channel), compensation counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from portal.models import NotificationDelivery

from .models import CompensationGrant, Incident, IncidentAudience, IncidentUpdate
from .services import _event_key, affected_customers

FAILURES_SHOWN = 20


def desk_incidents(*, user, q: str = "", status: str = "", impact: str = "", product=None):
    """Incidents for the desk list: open ones first (newest first), then the resolved."""
    incidents = Incident.objects.visible_to(user)
    if q:
        incidents = incidents.filter(Q(title__icontains=q) | Q(region__icontains=q))
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
    keys = {_event_key(incident, u): u.pk for u in updates if u.published_at is not None}
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
