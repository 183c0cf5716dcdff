"""Read-side helpers shared by the customer pages, the desk and the API (no writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Status, Ticket

SLA_STATE_LABELS = {
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "breached": _("Breached"),
    "paused": _("Paused"),
    "none": _("No target"),
}


def business_duration(minutes: int) -> str:
    """``90`` -> "1 h 30 min of business time", in words the customer reads."""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(hours)d h %(minutes)d min of business time") % {
            "hours": hours,
            "minutes": rest,
        }
    if hours:
        return _("%(hours)d business hours") % {"hours": hours}
    return _("%(minutes)d business minutes") % {"minutes": rest}


@dataclass(frozen=True)
class Expectation:
    """What the customer may expect next (shown on their ticket page)."""

    headline: str
    due_at: datetime | None = None
    detail: str = ""


def customer_expectation(ticket: Ticket, now: datetime | None = None) -> Expectation | None:
    now = now or timezone.now()
    policy = ticket.sla_policy
    if ticket.merged_into_id is not None or ticket.status == Status.CLOSED:
        return None
    if ticket.status == Status.RESOLVED:
        return Expectation(_("We think this is solved. Reply if it is not."))
    if ticket.status == Status.WAITING_CUSTOMER:
        return Expectation(_("We are waiting for your reply."))
    if ticket.status == Status.WAITING_THIRD_PARTY:
        return Expectation(_("We are waiting on a partner; we will update you."))
    if policy is None:
        return Expectation(_("An agent will reply as soon as possible."))
    if ticket.first_response_at is None:
        return Expectation(
            _("We aim to reply within %(target)s.")
            % {"target": business_duration(policy.first_response_minutes)},
            ticket.first_response_due_at,
        )
    return Expectation(
        _("We aim to resolve this within %(target)s.")
        % {"target": business_duration(policy.resolution_minutes)},
        ticket.resolution_due_at,
    )


def sla_state_label(state: str) -> str:
    return str(SLA_STATE_LABELS.get(state, state))
