"""Reads for the desk: the filtered, sorted queue (one code path for the page, the API and
the benchmark), its counters, and the agents one can assign to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from portal import roles
from portal.models import User
from tickets.models import ACTIVE_STATUSES, Queue, Status, Ticket

SORTS = {
    "priority": (F("priority").desc(), F("sla_due_at").asc(nulls_last=True), "id"),
    "due": (F("sla_due_at").asc(nulls_last=True), F("priority").desc(), "id"),
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "updated": ("-updated_at", "-id"),
}
SLA_STATES = ("on_track", "at_risk", "breached", "paused")
_NUMBER = re.compile(r"^\s*(?:t-?)?(\d{1,12})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class DeskParams:
    """The desk's filters, already validated (``tickets.desk_forms.DeskFilterForm``)."""

    statuses: tuple[str, ...] = ()  # empty: every active status
    all_statuses: bool = False
    queue: int | None = None
    assignee: str = ""  # "", "me", "none" or a user id
    priorities: tuple[int, ...] = ()
    sla: str = ""
    product: int | None = None
    organisation: int | None = None
    tag: str = ""
    q: str = ""
    sort: str = "priority"


def desk_tickets(params: DeskParams, *, user, now: datetime | None = None) -> QuerySet[Ticket]:
    """The desk queue for ``user`` (an agent): filtered and sorted, rows ready to display."""
    now = now or timezone.now()
    tickets = Ticket.objects.visible_to(user)
    if params.statuses:
        tickets = tickets.filter(status__in=params.statuses)
    elif not params.all_statuses:
        tickets = tickets.filter(status__in=ACTIVE_STATUSES)
    if params.queue is not None:
        tickets = tickets.filter(queue_id=params.queue)
    if params.assignee == "me":
        tickets = tickets.filter(assignee=user)
    elif params.assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif params.assignee.isdigit():
        tickets = tickets.filter(assignee_id=int(params.assignee))
    if params.priorities:
        tickets = tickets.filter(priority__in=params.priorities)
    if params.sla:
        tickets = tickets.filter(sla_condition(params.sla, now))
    if params.product is not None:
        tickets = tickets.filter(product_id=params.product)
    if params.organisation is not None:
        tickets = tickets.filter(organisation_id=params.organisation)
    if params.tag:
        tickets = tickets.filter(tags__slug=params.tag)
    if params.q:
        number = _NUMBER.match(params.q)
        if number:
            tickets = tickets.filter(pk=int(number.group(1)))
        else:
            tickets = tickets.filter(
                Q(subject__icontains=params.q) | Q(customer__name__icontains=params.q)
            )
    return tickets.for_list().order_by(*SORTS.get(params.sort, SORTS["priority"]))


def sla_condition(state: str, now: datetime) -> Q:
    """The rows ``Ticket.sla_state(now)`` would call ``state`` (for active tickets)."""
    running = Q(sla_paused_at__isnull=True, sla_breached=False)
    if state == "breached":
        return Q(sla_breached=True) | Q(sla_due_at__lte=now, sla_paused_at__isnull=True)
    if state == "at_risk":
        return running & Q(sla_warn_at__lte=now, sla_due_at__gt=now)
    if state == "on_track":
        return running & Q(sla_due_at__gt=now) & (Q(sla_warn_at__gt=now) | Q(sla_warn_at=None))
    if state == "paused":
        return Q(sla_paused_at__isnull=False, sla_breached=False)
    return Q()


@dataclass(frozen=True)
class QueueCount:
    queue: Queue | None
    active: int


def desk_counters(*, user) -> dict:
    """Sidebar numbers, in two queries however many tickets there are."""
    active = Ticket.objects.filter(status__in=ACTIVE_STATUSES)
    totals = active.aggregate(
        all=Count("id"),
        mine=Count("id", filter=Q(assignee=user)),
        unassigned=Count("id", filter=Q(assignee__isnull=True)),
        waiting=Count("id", filter=Q(status=Status.WAITING_CUSTOMER)),
    )
    per_queue = dict(active.values_list("queue").annotate(n=Count("id")).values_list("queue", "n"))
    queues = [QueueCount(queue, per_queue.get(queue.pk, 0)) for queue in Queue.objects.all()]
    return {**totals, "queues": queues}


def agents() -> QuerySet[User]:
    """People tickets can be assigned to (active agents and admins)."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True) | Q(is_staff=True, groups__name__in=(roles.AGENTS, roles.ADMINS))
        )
        .distinct()
        .order_by("full_name", "email")
    )
