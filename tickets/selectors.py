"""Reads for the desk: the filtered, sorted queue (one code path for the page, the API and
the benchmark), its counters, and the agents one can assign to; a ticket's files as the
viewer may download them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from portal import roles
from portal.models import Customer, User
from tickets.models import ACTIVE_STATUSES, Attachment, Queue, Status, Ticket

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
        tickets = tickets.filter(_search(params.q))
    return tickets.for_list().order_by(*SORTS.get(params.sort, SORTS["priority"]))


CUSTOMER_MATCHES = 500


def _search(q: str) -> Q:
    """A ticket number (``T-123``), else words in the subject or the customer's name (an
    email address or a customer reference finds that customer's tickets). Customers are
    looked up first (a bounded list of ids), so the ticket side stays on the queue's own
    columns (index-only on PostgreSQL)."""
    number = _NUMBER.match(q)
    if number:
        return Q(pk=int(number.group(1)))
    who = Q(email__iexact=q) if "@" in q else Q(name__icontains=q) | Q(customer_ref=q)
    customers = list(Customer.objects.filter(who).values_list("pk", flat=True)[:CUSTOMER_MATCHES])
    return Q(subject__icontains=q) | Q(customer_id__in=customers)


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


COUNTERS_TTL = 10  # seconds


def desk_counters(*, user, queues: list[Queue] | None = None) -> dict:
    """Sidebar numbers, cached for a few seconds per agent (every desk page shows them).
    ``queues``: every queue, when the caller has read them already."""
    key = f"tickets:desk-counters:{user.pk}"
    counters = cache.get(key)
    if counters is None:
        counters = _counters(user)
        cache.set(key, counters, COUNTERS_TTL)
    queues = [
        QueueCount(queue, counters["queues"].get(queue.pk, 0))
        for queue in (Queue.objects.all() if queues is None else queues)
    ]
    return {**counters, "queues": queues}


def _counters(user) -> dict:
    """One query (an index-only scan on PostgreSQL: COUNT(status), not COUNT(id), so that
    ticket_queue_covering holds every column it needs)."""
    per_queue = (
        Ticket.objects.filter(status__in=ACTIVE_STATUSES)
        .values_list("queue")
        .annotate(
            all=Count("status"),
            mine=Count("status", filter=Q(assignee=user)),
            unassigned=Count("status", filter=Q(assignee__isnull=True)),
            waiting=Count("status", filter=Q(status=Status.WAITING_CUSTOMER)),
        )
        .order_by()
    )
    totals = {"all": 0, "mine": 0, "unassigned": 0, "waiting": 0}
    by_queue: dict[int | None, int] = {}
    for queue_id, every, mine, unassigned, waiting in per_queue:
        by_queue[queue_id] = every
        for key, value in zip(totals, (every, mine, unassigned, waiting), strict=True):
            totals[key] += value
    return {**totals, "queues": by_queue}


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


class DeskPaginator(Paginator):
    """The queue's paginator, made for millions of rows.

    - It counts at most ``cap`` rows: COUNT(*) over a million tickets costs more than the
      page, and nobody pages past the first few hundred (``count_capped`` says "1,000+").
    - A page is read in two steps: the ids of the page (``ORDER BY ... LIMIT``, an index-only
      scan on PostgreSQL), then those rows with their joins, in the same order.
    """

    cap = 1_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count_capped(self) -> bool:
        return self.count > self.cap

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = self.object_list.model.objects.filter(pk__in=ids).for_list().in_bulk()
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def ticket_attachments(*, ticket: Ticket, user) -> QuerySet[Attachment]:
    """The ticket's files ``user`` may download (an internal note's files: agents only)."""
    return Attachment.objects.visible_to(user).filter(ticket=ticket).select_related("message")
