"""Active incidents on the Wagtail dashboard (agents and admins): every incident not yet
resolved, drafts included, each linking to its page on the desk."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from outages.models import Incident
from portal.admin_panels import DashboardPanel, PanelRow, works_the_desk

SHOWN = 5
TONES = {
    Incident.Impact.MAJOR: "critical",
    Incident.Impact.PARTIAL: "critical",
    Incident.Impact.DEGRADED: "warning",
}


class ActiveIncidentsPanel(DashboardPanel):
    panel_id = "support-incidents"
    heading = _("Active incidents")
    empty_text = _("No active incidents.")
    order = 30
    layout = "list"

    @classmethod
    def is_shown_to(cls, user) -> bool:
        return works_the_desk(user)

    def rows(self) -> list[PanelRow]:
        """One query: the most recent open incidents (a few; the list has them all)."""
        incidents = Incident.objects.open().order_by("-starts_at", "-pk")[:SHOWN]
        rows = []
        for incident in incidents:
            state = incident.get_status_display()
            if incident.published_at is None:
                state = _("Draft, not published")
            rows.append(
                PanelRow(
                    incident.tr.title,
                    reverse("outages_desk:detail", args=[incident.pk]),
                    incident.get_impact_display(),
                    note=str(state),
                    tone=TONES.get(incident.impact, ""),
                )
            )
        return rows

    def see_all(self):
        return reverse("outages_desk:list"), _("All incidents")


PANELS = (ActiveIncidentsPanel,)
