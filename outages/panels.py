"""The outages section of the customer panel on the desk's ticket page: the incidents the
ticket is linked to (why, when linked automatically, and an Unlink button) and, while it is
active, open incidents it is probably about (with a Link button); and the section of the
customer's ticket page naming the incident (``tickets.page_sections``). Both registered from
``OutagesConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from outages.models import Incident, IncidentTicket
from outages.services import link_suggestions
from tickets import page_sections
from tickets.models import ACTIVE_STATUSES
from tickets.panels import PanelContext, PanelSection, register


def _incidents(panel: PanelContext) -> dict | None:
    ticket = panel.ticket
    linked = list(
        IncidentTicket.objects.filter(ticket=ticket)
        .select_related("incident")
        .order_by("-incident__starts_at")
    )
    suggested = []
    if ticket.status in ACTIVE_STATUSES and ticket.merged_into_id is None:
        suggested = link_suggestions(ticket)
    if not linked and not suggested:
        return None
    return {"linked": linked, "suggested": suggested, "ticket": ticket}


def register_panel() -> None:
    register(
        PanelSection(
            key="incidents",
            title=_("Incidents"),
            template="outages/desk/panel.html",
            context=_incidents,
            order=5,
        )
    )


def _customer_incidents(ticket, user) -> dict | None:
    """The customer's ticket page: the published incidents the ticket is linked to."""
    incidents = list(
        Incident.objects.visible_to(user)
        .published()
        .filter(ticket_links__ticket=ticket)
        .order_by("-starts_at")
    )
    return {"incidents": incidents} if incidents else None


def register_ticket_page_section() -> None:
    page_sections.register(
        page_sections.PageSection(
            key="incidents",
            template="outages/ticket_section.html",
            context=_customer_incidents,
            order=10,
        )
    )
