"""Helpers every ticket service shares: locking, the visibility check, history, the log.

(The clock ``now_or``, ``clean_text`` and ``require_agent`` are shared by every app:
``portal.services.helpers``.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied

from portal.models import Channel, InteractionKind
from portal.services.interactions import interaction_record
from tickets.models import Ticket, TicketEvent

MESSAGE_MAX = 20_000
SUBJECT_MAX = 200


def lock(ticket: Ticket) -> Ticket:
    """The ticket's row, locked for the rest of the transaction (PostgreSQL), fresh; with its
    customer and queue, which every service reads next (the interaction, the notifications)."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "queue")
        .get(pk=ticket.pk)
    )


def require_visible(ticket: Ticket, user) -> None:
    if not Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists():
        raise PermissionDenied("This ticket is not visible to you.")


def actor_or_none(user):
    return user if user is not None and user.is_authenticated else None


def event(
    ticket: Ticket,
    actor,
    field: str,
    old: Any,
    new: Any,
    *,
    now: datetime,
    kind: str = TicketEvent.Kind.CHANGED,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor_or_none(actor),
        kind=kind,
        field=field,
        old_value=_text(old),
        new_value=_text(new),
        created_at=now,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value)[:255]


def record(
    kind: InteractionKind | str,
    ticket: Ticket,
    actor,
    *,
    now: datetime,
    channel: Channel | str = Channel.WEB,
    value: float | int | None = None,
    **metadata: Any,
):
    """One interaction about ``ticket`` (for the ticket's customer, by ``actor``)."""
    return interaction_record(
        kind=kind,
        channel=channel,
        customer=ticket.customer,
        user=actor_or_none(actor),
        target=ticket,
        value=value,
        metadata={"ticket": ticket.pk, **metadata},
        occurred_at=now,
    )


def touch(ticket: Ticket, now: datetime, *fields: str) -> None:
    """Save the given fields plus ``updated_at``."""
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])


SLA_FIELDS = (
    "sla_policy",
    "sla_started_at",
    "sla_paused_at",
    "sla_paused_seconds",
    "first_response_due_at",
    "resolution_due_at",
    "sla_due_at",
    "sla_warn_at",
    "sla_breached",
    "escalation_level",
)
