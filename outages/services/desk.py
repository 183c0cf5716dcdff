"""Agents' writes around an incident: linking tickets, answering and resolving them with the
incident, opening tickets proactively for high-value affected customers.

Tickets are only ever written through ``tickets.services`` (``ticket_open``,
``ticket_reply``), so SLA, history, interactions and notifications stay theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from outages.models import (
    Incident,
    IncidentAudience,
    IncidentTicket,
    IncidentTicketUnlink,
    IncidentUpdate,
)
from outages.selectors import affected_customers
from outages.services.errors import IncidentError
from outages.services.incidents import incident_update_post
from portal.i18n import translated
from portal.models import Customer, Purchase, Subscription, User
from portal.services.helpers import require_agent
from tickets.models import ACTIVE_STATUSES, TRANSITIONS, Category, Impact, Status, Ticket
from tickets.services import TicketError, ticket_open, ticket_reply

PROACTIVE_MAX = 200
VALUE_WINDOW = timedelta(days=365)


@transaction.atomic
def incident_ticket_link(*, incident: Incident, ticket: Ticket, by: User) -> IncidentTicket:
    """Link a ticket to the incident (linking it again changes nothing)."""
    require_agent(by)
    if ticket.merged_into_id is not None:
        raise IncidentError(_("This ticket was merged into another one; link that one."))
    link = IncidentTicket.objects.filter(incident=incident, ticket=ticket).first()
    if link is not None:
        return link
    try:
        with transaction.atomic():
            return IncidentTicket.objects.create(
                incident=incident, ticket=ticket, customer_id=ticket.customer_id, linked_by=by
            )
    except IntegrityError:  # linked at the same moment by someone else
        return IncidentTicket.objects.get(incident=incident, ticket=ticket)


@transaction.atomic
def incident_ticket_unlink(*, incident: Incident, ticket: Ticket, by: User) -> bool:
    """Unlink the ticket and remember it (``IncidentTicketUnlink``), so the automatic
    linking never links it to this incident again. Under the ticket's row lock, like the
    automatic linking, so a pass running meanwhile cannot link it back. Returns whether it
    was linked."""
    require_agent(by)
    Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
    deleted, _rows = IncidentTicket.objects.filter(incident=incident, ticket=ticket).delete()
    if deleted:
        IncidentTicketUnlink.objects.update_or_create(
            incident=incident,
            ticket=ticket,
            defaults={"unlinked_by": by, "unlinked_at": timezone.now()},
        )
    return bool(deleted)


def link_suggestions(ticket: Ticket) -> list[Incident]:
    """Open, published incidents that this ticket is probably about: its customer is affected
    and the ticket is about an affected service (or names none), opened since it started;
    not those an agent unlinked it from."""
    candidates = (
        Incident.objects.published()
        .open()
        .filter(starts_at__lte=ticket.created_at)
        .exclude(ticket_links__ticket=ticket)
        .exclude(pk__in=IncidentTicketUnlink.objects.filter(ticket=ticket).values("incident_id"))
        .prefetch_related("products")
    )
    if ticket.product_id is not None:
        candidates = candidates.filter(products=ticket.product_id)
    suggestions = []
    for incident in candidates.distinct()[:5]:
        frozen = IncidentAudience.objects.filter(incident=incident, customer=ticket.customer_id)
        live = affected_customers(incident).filter(pk=ticket.customer_id)
        if frozen.exists() or live.exists():
            suggestions.append(incident)
    return suggestions


@dataclass(frozen=True)
class TicketsOutcome:
    done: int
    skipped: int


def _linked_active(incident: Incident) -> list[Ticket]:
    return list(
        Ticket.objects.filter(
            incident_links__incident=incident,
            status__in=ACTIVE_STATUSES,
            merged_into__isnull=True,
        )
        .select_related("customer")
        .order_by("pk")
    )


def _reply_all(
    tickets: list[Ticket], *, by: User, update: IncidentUpdate, status_after=None
) -> TicketsOutcome:
    """Reply ``update``'s message on each ticket, in its customer's language (the English
    when the agent left the Italian empty)."""
    done = skipped = 0
    for ticket in tickets:
        if status_after is not None and status_after not in TRANSITIONS[ticket.status]:
            skipped += 1
            continue
        try:
            with transaction.atomic():
                body = translated(update, "message", ticket.customer.language)
                ticket_reply(ticket=ticket, author=by, body=body, status_after=status_after)
        except TicketError:
            skipped += 1
        else:
            done += 1
    return TicketsOutcome(done, skipped)


@transaction.atomic
def incident_update_with_tickets(
    *,
    incident: Incident,
    status: str,
    message: str,
    by: User | None,
    reply_linked: bool,
    message_it: str = "",
) -> tuple[IncidentUpdate, TicketsOutcome]:
    """Post an update (and notify as ``incident_update_post`` does); with ``reply_linked``
    the same message goes to every open linked ticket as a public reply. Resolving the
    incident this way also resolves those tickets."""
    if reply_linked:
        require_agent(by)
    update = incident_update_post(
        incident=incident, status=status, message=message, message_it=message_it
    )
    outcome = TicketsOutcome(0, 0)
    if reply_linked:
        resolving = status == Incident.Status.RESOLVED
        outcome = _reply_all(
            _linked_active(incident),
            by=by,
            update=update,
            status_after=Status.RESOLVED if resolving else None,
        )
    return update, outcome


def high_value_customers(incident: Incident, *, top: int):
    """The affected customers (frozen audience once published, else the live query) ranked
    by what they bought in the last 12 months, highest first."""
    since = timezone.now() - VALUE_WINDOW
    if incident.published_at is not None:
        customers = Customer.objects.filter(
            pk__in=IncidentAudience.objects.filter(incident=incident).values("customer_id")
        )
    else:
        customers = affected_customers(incident)
    spent = (
        Purchase.objects.filter(customer=OuterRef("pk"), ordered_at__gte=since)
        .order_by()
        .values("customer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return customers.annotate(
        spent=Coalesce(Subquery(spent, output_field=money), Value(0, output_field=money))
    ).order_by("-spent", "pk")[:top]


@transaction.atomic
def incident_proactive_tickets_open(
    *, incident: Incident, top: int, subject: str, body: str, by: User
) -> int:
    """Open a ticket for each of the ``top`` highest-value affected customers who has no
    proactive ticket for this incident yet; returns how many were opened (again: none)."""
    require_agent(by)
    if not 1 <= top <= PROACTIVE_MAX:
        raise IncidentError(_("Choose between 1 and %(max)d customers.") % {"max": PROACTIVE_MAX})
    incident = Incident.objects.select_for_update().get(pk=incident.pk)  # one run at a time
    if not incident.is_open:
        raise IncidentError(_("This incident is resolved."))
    done = set(
        IncidentTicket.objects.filter(incident=incident, proactive=True).values_list(
            "customer_id", flat=True
        )
    )
    products = list(incident.products.all())
    opened = 0
    for customer in high_value_customers(incident, top=top):
        if customer.pk in done:
            continue
        product = (
            Subscription.objects.filter(customer=customer, product__in=products)
            .select_related("product")
            .first()
        )
        try:
            ticket = ticket_open(
                customer=customer,
                subject=subject,
                body=_("Opened by our support team about the incident “%(title)s”.")
                % {"title": incident.title},
                opened_by=by,
                product=product.product if product else products[0],
                category=Category.PROBLEM,
                impact=Impact.ME,
            )
            ticket_reply(ticket=ticket, author=by, body=body)
        except TicketError as exc:
            raise IncidentError(exc.message) from exc
        IncidentTicket.objects.create(
            incident=incident, ticket=ticket, customer=customer, linked_by=by, proactive=True
        )
        opened += 1
    return opened
