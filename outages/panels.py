"""The outages section of the customer panel on the desk's ticket page: the incidents the
ticket is linked to and, while it is active, open incidents it is probably about (with a
Link button). Registered from ``OutagesConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.models import ACTIVE_STATUSES
from tickets.panels import PanelContext, PanelSection, register

from .models import Incident
from .services_desk import link_suggestions


def _incidents(panel: PanelContext) -> dict | None:
    ticket = panel.ticket
    linked = list(Incident.objects.filter(ticket_links__ticket=ticket).order_by("-starts_at"))
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
