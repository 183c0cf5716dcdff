"""Proactive outreach to valuable customers at risk (the last ``clv_fit`` flags them):
an agent opens a ticket for the customer from the desk's at-risk list."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from insights.models import CustomerScore
from portal import roles
from portal.models import Customer
from portal.services.errors import ServiceError
from tickets.models import Ticket
from tickets.models.choices import Category, Impact
from tickets.services.errors import TicketError
from tickets.services.workflow import ticket_open

#: The subject every outreach ticket carries (it also finds the customer's open one).
OUTREACH_SUBJECT = gettext_noop("Checking in: can we help?")


class OutreachError(ServiceError, ValueError):
    """The ticket cannot be opened; the message is for a person."""


@transaction.atomic
def at_risk_ticket_open(*, customer: Customer, by) -> tuple[Ticket, bool]:
    """Open a proactive ticket for a customer flagged at risk; ``(ticket, created)``. A
    customer who already has an open outreach ticket gets that one back (no second)."""
    if not roles.is_agent(by):
        raise PermissionDenied("Only agents reach out to customers.")
    score = CustomerScore.objects.filter(customer=customer).first()
    if score is None or not score.at_risk:
        raise OutreachError(_("This customer is not on the at-risk list (any more)."))
    Customer.objects.select_for_update().filter(pk=customer.pk).first()  # one at a time
    subjects = {OUTREACH_SUBJECT, _(OUTREACH_SUBJECT)}
    existing = Ticket.objects.active().filter(customer=customer, subject__in=subjects)
    if (ticket := existing.order_by("-created_at").first()) is not None:
        return ticket, False
    try:
        ticket = ticket_open(
            customer=customer,
            subject=_(OUTREACH_SUBJECT),
            body=_(
                "Opened by our support team: %(name)s is a valued customer who has not "
                "ordered for a while (%(percent)d%% likely to have stopped buying)."
            )
            % {"name": customer.display_name, "percent": score.churn_percent},
            opened_by=by,
            category=Category.QUESTION,
            impact=Impact.ME,
        )
    except TicketError as exc:
        raise OutreachError(exc.message) from exc
    return ticket, True
