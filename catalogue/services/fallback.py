"""Tickets for requests an agent must handle: manual items, failed automations, follow-ups.

Opened through ``tickets.services.ticket_open`` (the one path that creates a ticket) as the
customer who submitted the request, then moved to the item's queue when it names one."""

from __future__ import annotations

from django.utils.translation import gettext as _

from catalogue.forms import answers_display
from catalogue.models import ServiceRequest
from portal.models import Channel
from tickets.models import Category, Ticket
from tickets.services import ticket_open


def request_summary(request: ServiceRequest) -> str:
    lines = [
        _("Service request %(number)s: %(item)s")
        % {"number": request.number, "item": request.item.name},
        "",
    ]
    answers = answers_display(request.item, request.data)
    if answers:
        # "What happened?" needs no colon after its own question mark.
        lines += [
            f"- **{label}{'' if str(label).endswith(('?', ':')) else ':'}** {value}"
            for label, value in answers
        ]
    else:
        lines.append(_("(no answers)"))
    return "\n".join(lines)


def ticket_for_request(*, request: ServiceRequest, subject: str, intro: str) -> Ticket:
    """Open the request's ticket (once: a request links to at most one ticket)."""
    if request.ticket_id:
        return request.ticket
    opener = request.submitted_by or request.customer.user
    body = f"{intro}\n\n{request_summary(request)}"
    ticket = ticket_open(
        customer=request.customer,
        opened_by=opener,
        subject=subject[:200],
        body=body,
        product=request.item.audience_product,
        category=Category.REQUEST,
        channel=Channel.WEB,
        queue=request.item.queue,  # the item's own queue; None: the product's
    )
    request.ticket = ticket
    request.save(update_fields=["ticket"])
    return ticket
