"""Keeping a ticket's SLA fields right: which policy applies, when targets are due, pauses.

Both targets count business time (the policy's calendar) from ``sla_started_at`` (opening,
or the last reopening), plus the business time spent paused: while a ticket waits on the
customer the clock stops (``sla_paused_at``), and on resuming the paused business time is
added to ``sla_paused_seconds``, which pushes every due time back by as much.

``sla_due_at``/``sla_warn_at`` hold the *current* target (first response until there is one,
then resolution) so the desk can filter and sort on them with an index. Breaches are stored
(``SlaBreach``) when they happen; see ``tickets.services.escalation`` for the periodic task.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q

from portal.models import InteractionKind
from portal.services.interactions import interaction_record
from portal.services.memo import memoized
from tickets.businesshours import add_business_time, business_time_between
from tickets.models import ACTIVE_STATUSES, SlaBreach, SlaPolicy, Ticket, TicketEvent

#: Apps above tickets whose tickets have an SLA of their own (insights' feedback follow-ups)
#: register a function ``ticket -> SlaPolicy | None``; the first policy one returns wins.
_policy_resolvers: list[Callable[[Ticket], SlaPolicy | None]] = []


def sla_policy_resolver_register(resolver: Callable[[Ticket], SlaPolicy | None]) -> None:
    if resolver not in _policy_resolvers:
        _policy_resolvers.append(resolver)


#: Apps that make some customers' targets shorter (loyalty tiers) register a function
#: ``ticket -> factor | None`` (a Decimal in (0, 1]); the smallest factor applies to both
#: targets of whatever policy is chosen.
_target_factors: list[Callable[[Ticket], Decimal | None]] = []


def sla_target_factor_register(factor: Callable[[Ticket], Decimal | None]) -> None:
    if factor not in _target_factors:
        _target_factors.append(factor)


def sla_target_factor(*, ticket: Ticket) -> Decimal:
    """The factor the ticket's SLA targets are multiplied by (1: as the policy says)."""
    found = [f for resolver in _target_factors if (f := resolver(ticket)) is not None]
    return min([Decimal(1), *(f for f in found if f > 0)])


def sla_policy_for(*, ticket: Ticket) -> SlaPolicy | None:
    """A registered resolver's policy (a queue with its own SLA), else the organisation's
    own active policy for the priority, else the general one."""
    for resolver in _policy_resolvers:
        if (policy := resolver(ticket)) is not None:
            return policy
    return memoized(
        ("sla.policy", ticket.priority, ticket.organisation_id),
        lambda: _policy_by_priority(ticket.priority, ticket.organisation_id),
    )


def _policy_by_priority(priority: int, organisation_id: int | None) -> SlaPolicy | None:
    candidates = SlaPolicy.objects.active().filter(priority=priority)
    if organisation_id:
        candidates = candidates.filter(
            Q(organisation_id=organisation_id) | Q(organisation__isnull=True)
        )
    else:
        candidates = candidates.filter(organisation__isnull=True)
    found = sorted(candidates.select_related("calendar"), key=lambda p: p.organisation_id is None)
    return found[0] if found else None


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


def sla_recompute(*, ticket: Ticket, policy: SlaPolicy | bool | None = True) -> None:
    """Set the due and warning times from the policy (no save). ``policy=True`` looks it up."""
    if policy is True:
        policy = sla_policy_for(ticket=ticket)
    ticket.sla_policy = policy or None
    if not policy or ticket.sla_started_at is None:
        ticket.first_response_due_at = ticket.resolution_due_at = None
        ticket.sla_due_at = ticket.sla_warn_at = None
        return
    schedule = policy.calendar.schedule
    start = ticket.sla_started_at
    paused = timedelta(seconds=ticket.sla_paused_seconds)
    share = policy.at_risk_percent / 100
    factor = float(sla_target_factor(ticket=ticket)) if _target_factors else 1.0
    first_response = policy.first_response_minutes * factor
    resolution = policy.resolution_minutes * factor

    def at(minutes: float) -> datetime:
        return add_business_time(start, _minutes(minutes) + paused, schedule)

    ticket.first_response_due_at = at(first_response)
    ticket.resolution_due_at = at(resolution)
    if ticket.status not in ACTIVE_STATUSES or ticket.sla_paused_at is not None:
        ticket.sla_due_at = ticket.sla_warn_at = None
    elif ticket.first_response_at is None:
        ticket.sla_due_at = ticket.first_response_due_at
        ticket.sla_warn_at = at(first_response * share)
    else:
        ticket.sla_due_at = ticket.resolution_due_at
        ticket.sla_warn_at = at(resolution * share)


def sla_start(*, ticket: Ticket, now: datetime) -> None:
    """Start (or, on reopening, restart) the clock. No save."""
    ticket.sla_started_at = now
    ticket.sla_paused_at = None
    ticket.sla_paused_seconds = 0
    ticket.escalation_level = 0
    sla_recompute(ticket=ticket)


def sla_pause(*, ticket: Ticket, now: datetime) -> None:
    if ticket.sla_paused_at is not None:
        return
    sla_record_breaches(ticket=ticket, now=now)  # a target already missed stays missed
    ticket.sla_paused_at = now
    sla_recompute(ticket=ticket)


def sla_resume(*, ticket: Ticket, now: datetime) -> None:
    if ticket.sla_paused_at is None:
        return
    policy = sla_policy_for(ticket=ticket)
    if policy is not None:
        paused = business_time_between(ticket.sla_paused_at, now, policy.calendar.schedule)
        ticket.sla_paused_seconds += int(paused.total_seconds())
    ticket.sla_paused_at = None
    sla_recompute(ticket=ticket, policy=policy)


def _due_targets(ticket: Ticket, now: datetime) -> list[tuple[str, datetime]]:
    if ticket.sla_policy_id is None or ticket.sla_paused_at is not None:
        return []
    due = []
    if (
        ticket.first_response_at is None
        and ticket.first_response_due_at is not None
        and ticket.first_response_due_at <= now
    ):
        due.append((SlaBreach.Kind.FIRST_RESPONSE, ticket.first_response_due_at))
    if (
        ticket.status in ACTIVE_STATUSES
        and ticket.resolution_due_at is not None
        and ticket.resolution_due_at <= now
    ):
        due.append((SlaBreach.Kind.RESOLUTION, ticket.resolution_due_at))
    return due


def sla_record_breaches(*, ticket: Ticket, now: datetime) -> list[SlaBreach]:
    """Store a breach for every target of ``ticket`` missed by ``now`` (once per kind).

    Sets ``ticket.sla_breached`` (the caller saves the ticket)."""
    recorded = []
    for kind, due_at in _due_targets(ticket, now):
        try:
            with transaction.atomic():
                breach, created = SlaBreach.objects.get_or_create(
                    ticket=ticket,
                    kind=kind,
                    defaults={"due_at": due_at, "policy": ticket.sla_policy, "breached_at": now},
                )
        except IntegrityError:  # recorded concurrently
            continue
        ticket.sla_breached = True
        if not created:
            continue
        recorded.append(breach)
        TicketEvent.objects.create(
            ticket=ticket,
            kind=TicketEvent.Kind.SLA_BREACH,
            field="sla",
            new_value=kind,
            created_at=now,
        )
        interaction_record(
            kind=InteractionKind.TICKET_SLA_BREACH,
            customer=ticket.customer,
            target=ticket,
            metadata={
                "ticket": ticket.pk,
                "target": kind,
                "due_at": due_at.isoformat(),
                "priority": ticket.priority_key,
            },
            occurred_at=now,
        )
    return recorded


def sla_business_seconds(*, ticket: Ticket, start: datetime, end: datetime) -> int | None:
    """Business seconds between two instants on the ticket's calendar (None: no policy)."""
    policy = ticket.sla_policy if ticket.sla_policy_id else None
    if policy is None:
        return None
    return int(business_time_between(start, end, policy.calendar.schedule).total_seconds())


def sla_met(*, ticket: Ticket, kind: str) -> bool | None:
    """Whether a target was met (None: no policy). Call after the target's moment."""
    if ticket.sla_policy_id is None:
        return None
    return not SlaBreach.objects.filter(ticket=ticket, kind=kind).exists()


__all__ = [
    "sla_business_seconds",
    "sla_met",
    "sla_pause",
    "sla_policy_for",
    "sla_policy_resolver_register",
    "sla_recompute",
    "sla_record_breaches",
    "sla_resume",
    "sla_start",
    "sla_target_factor",
    "sla_target_factor_register",
]
