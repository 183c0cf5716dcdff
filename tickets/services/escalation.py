"""The periodic SLA task: record breaches, escalate, auto-close resolved tickets.

Run by ``manage.py sla_tick`` (cron or ``--every``) or the ``tickets.tasks.sla_tick_task``
background task. Safe to run often and concurrently: each ticket is handled in its own
transaction with its row locked (``SKIP LOCKED`` on PostgreSQL: two runners split the
work), and every step is guarded by the ticket's state (``escalation_level``,
``priority_escalated``, the unique ``SlaBreach`` per ticket and target), so running it twice
changes nothing the second time.

- at risk (``sla_warn_at`` passed): notify the assignee and the team lead (level 1);
- breached (``sla_due_at`` passed): store the breach, notify them again, and raise the
  priority one step, once in the ticket's life (level 2);
- resolved for ``TICKETS_AUTO_CLOSE``: close.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from portal.models import InteractionKind
from portal.services.helpers import now_or
from tickets.models import ACTIVE_STATUSES, Priority, Status, Ticket, TicketEvent
from tickets.services import notify
from tickets.services.common import SLA_FIELDS, event, record
from tickets.services.sla import sla_recompute, sla_record_breaches
from tickets.services.workflow import ticket_close

AT_RISK, BREACHED = 1, 2
BATCH = 500


@dataclass
class TickReport:
    at_risk: int = 0
    breached: int = 0
    priority_raised: int = 0
    auto_closed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _running() -> Q:
    return Q(
        status__in=ACTIVE_STATUSES,
        sla_paused_at__isnull=True,
        merged_into__isnull=True,
    )


def _locked(pk: int, condition: Q) -> Ticket | None:
    """The ticket, locked, if it still matches (another runner may have handled it)."""
    return (
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(condition, pk=pk)
        .select_related("customer", "assignee", "queue__team")
        .first()
    )


def _escalate(ticket: Ticket, level: int, now: datetime, report: TickReport) -> None:
    label = "breached" if level == BREACHED else "at_risk"
    ticket.escalation_level = level
    raised = False
    if level == BREACHED:
        sla_record_breaches(ticket=ticket, now=now)
        if not ticket.priority_escalated and ticket.priority < Priority.URGENT:
            old = ticket.priority
            ticket.priority = old + 1
            ticket.priority_escalated = True
            raised = True
            sla_recompute(ticket=ticket)
            event(ticket, None, "priority", old, ticket.priority, now=now)
            report.priority_raised += 1
    ticket.updated_at = now
    ticket.save(update_fields=["priority", "priority_escalated", "updated_at", *SLA_FIELDS])
    event(ticket, None, "sla", "", label, now=now, kind=TicketEvent.Kind.ESCALATED)
    record(
        InteractionKind.TICKET_ESCALATED,
        ticket,
        None,
        now=now,
        level=label,
        target=ticket.sla_target or "resolution",
        priority_raised=raised,
    )
    notify.ticket_escalated(ticket=ticket, level=label)


def _each(queryset, handle) -> int:
    """Handle every matching ticket, a batch at a time, each in its own transaction. A
    ticket another runner holds (skipped) is not retried in this pass."""
    done = 0
    seen: set[int] = set()
    while True:
        batch = list(queryset.exclude(pk__in=seen).values_list("pk", flat=True)[:BATCH])
        if not batch:
            return done
        for pk in batch:
            seen.add(pk)
            with transaction.atomic():
                if handle(pk):
                    done += 1


def sla_tick(*, now: datetime | None = None) -> TickReport:
    """One pass over the tickets whose SLA needs attention (see the module docstring)."""
    now = now_or(now)
    report = TickReport()

    breached = _running() & Q(sla_due_at__lte=now, escalation_level__lt=BREACHED)

    def breach(pk: int) -> bool:
        ticket = _locked(pk, breached)
        if ticket is None:
            return False
        _escalate(ticket, BREACHED, now, report)
        return True

    report.breached = _each(Ticket.objects.filter(breached).order_by("sla_due_at"), breach)

    at_risk = _running() & Q(sla_warn_at__lte=now, sla_due_at__gt=now, escalation_level__lt=AT_RISK)

    def warn(pk: int) -> bool:
        ticket = _locked(pk, at_risk)
        if ticket is None:
            return False
        _escalate(ticket, AT_RISK, now, report)
        return True

    report.at_risk = _each(Ticket.objects.filter(at_risk).order_by("sla_warn_at"), warn)

    stale = Q(status=Status.RESOLVED, resolved_at__lte=now - settings.TICKETS_AUTO_CLOSE)

    def close(pk: int) -> bool:
        ticket = _locked(pk, stale)
        if ticket is None:
            return False
        ticket_close(ticket=ticket, actor=None, now=now)
        return True

    report.auto_closed = _each(Ticket.objects.filter(stale).order_by("resolved_at"), close)
    return report
