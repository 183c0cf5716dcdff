"""Incident linking without clicks.

While an incident is open (published, not resolved), a ticket opened since it started by a
customer in its frozen audience (``IncidentAudience``) is linked to it when the ticket

- is about one of the incident's services (``ticket.product``), or names one in its subject;
- or uses one of the incident's keywords (``Incident.keywords``) in its subject or first
  message (whole words, case-insensitive).

The link records why (``IncidentTicket.auto``, ``reason``, ``reason_detail``). An agent may
unlink it (``outages.services.desk.incident_ticket_unlink``), which is remembered
(``IncidentTicketUnlink``): no pass links that ticket to that incident again.

Tickets may not import outages, so new tickets are found in the interaction log
(``ticket_open`` interactions) by the periodic pass (``incidents_auto_link``, run by ``tick``),
and promptly by the ``interaction_recorded`` signal (``ticket_opened_received``). Both are
idempotent and safe at the same time: each link is made under the ticket's row lock (which
unlinking takes too) and the (incident, ticket) unique constraint decides.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from outages.models import (
    AutoReason,
    Incident,
    IncidentAudience,
    IncidentTicket,
    IncidentTicketUnlink,
)
from portal.models import Interaction, InteractionKind
from portal.services.memo import memoized
from tickets.models import ACTIVE_STATUSES, Ticket

log = logging.getLogger(__name__)


def _names(text: str, phrase: str) -> bool:
    """``phrase`` appears in ``text`` as whole words, ignoring case."""
    phrase = phrase.strip().casefold()
    if not phrase:
        return False
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(word) for word in phrase.split()) + r"(?!\w)"
    return re.search(pattern, text.casefold()) is not None


def auto_link_reason(
    incident: Incident, ticket: Ticket, *, products: list, body: str = ""
) -> tuple[str, str] | None:
    """Why ``ticket`` is about ``incident`` (``AutoReason``, what matched), or ``None``.
    ``products`` are the incident's services. The audience and the open state are checked by
    the caller."""
    for product in products:
        if ticket.product_id == product.pk or _names(ticket.subject, product.name):
            return AutoReason.PRODUCT, product.name
    text = f"{ticket.subject}\n{body}"
    for keyword in incident.keyword_list:
        if _names(text, keyword):
            return AutoReason.KEYWORD, keyword
    return None


def _first_body(ticket: Ticket) -> str:
    message = ticket.messages.order_by("created_at", "pk").values_list("body", flat=True).first()
    return message or ""


def _open_incidents():
    return Incident.objects.published().open().prefetch_related("products")


def _link(incident: Incident, ticket_id: int, reason: tuple[str, str]) -> IncidentTicket | None:
    """Link under the ticket's row lock, unless it is linked already or was unlinked."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None or ticket.merged_into_id is not None:
            return None
        pair = {"incident": incident, "ticket": ticket}
        if IncidentTicket.objects.filter(**pair).exists():
            return None
        if IncidentTicketUnlink.objects.filter(**pair).exists():
            return None
        try:
            with transaction.atomic():
                return IncidentTicket.objects.create(
                    **pair,
                    customer_id=ticket.customer_id,
                    auto=True,
                    reason=reason[0],
                    reason_detail=reason[1][:200],
                )
        except IntegrityError:  # linked at the same moment (another pass, an agent)
            return None


def _consider(incident: Incident, tickets: list[Ticket]) -> int:
    products = list(incident.products.all())
    linked = 0
    for ticket in tickets:
        if ticket.status not in ACTIVE_STATUSES or ticket.merged_into_id is not None:
            continue
        if ticket.created_at < incident.starts_at:
            continue
        reason = auto_link_reason(incident, ticket, products=products, body=_first_body(ticket))
        if reason is not None and _link(incident, ticket.pk, reason) is not None:
            linked += 1
    return linked


def incidents_auto_link(*, now: datetime | None = None) -> int:
    """The periodic pass: for every open, published incident, the tickets its affected
    customers opened since it started (``ticket_open`` interactions) that are not linked to
    it nor were unlinked from it; links those that match. Returns how many it linked."""
    now = now or timezone.now()
    ticket_type = ContentType.objects.get_for_model(Ticket)
    linked = 0
    for incident in _open_incidents().filter(starts_at__lte=now):
        opened = Interaction.objects.filter(
            kind=InteractionKind.TICKET_OPEN,
            target_type=ticket_type,
            occurred_at__gte=incident.starts_at,
            customer__in=IncidentAudience.objects.filter(incident=incident).values("customer"),
        ).values_list("target_id", flat=True)
        ids = {int(pk) for pk in opened if pk.isdigit()}
        ids -= set(
            IncidentTicket.objects.filter(incident=incident, ticket__in=ids).values_list(
                "ticket_id", flat=True
            )
        )
        ids -= set(
            IncidentTicketUnlink.objects.filter(incident=incident, ticket__in=ids).values_list(
                "ticket_id", flat=True
            )
        )
        if ids:
            tickets = list(Ticket.objects.filter(pk__in=ids).order_by("pk"))
            linked += _consider(incident, tickets)
    return linked


def ticket_auto_link(*, ticket: Ticket) -> int:
    """Link one new ticket to the open incidents it matches (its customer affected)."""
    incidents = _open_incidents().filter(
        starts_at__lte=ticket.created_at, audience__customer=ticket.customer_id
    )
    return sum(_consider(incident, [ticket]) for incident in incidents)


def ticket_opened_received(sender, interaction: Interaction, **kwargs) -> None:
    """``interaction_recorded`` (after commit): link a just-opened ticket at once. The
    periodic pass is the guarantee, so a failure here is logged, never raised into the
    request that opened the ticket."""
    if interaction.kind != InteractionKind.TICKET_OPEN or not interaction.target_id.isdigit():
        return
    try:
        # Most of the time nothing is open: one query, once per batch run (a chunk of email).
        if not memoized(("outages.any_open",), lambda: _open_incidents().exists()):
            return
        ticket = Ticket.objects.filter(pk=int(interaction.target_id)).first()
        if ticket is not None:
            ticket_auto_link(ticket=ticket)
    except Exception:  # the pass catches up
        log.exception("automatic incident linking failed for ticket %s", interaction.target_id)
