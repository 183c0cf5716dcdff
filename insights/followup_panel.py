"""The "Feedback follow-up" section of the desk's customer panel: on a follow-up ticket, the
survey answer that opened it, when the customer was first contacted, and a form to close the
case with its outcome. Registered from ``InsightsConfig.ready()`` (tickets does not import us)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from insights.models import FollowUp, FollowUpOutcome
from tickets.models import Category
from tickets.panels import PanelContext, PanelSection, register


def _context(panel: PanelContext) -> dict | None:
    if panel.ticket.category != Category.FEEDBACK:  # no query for other tickets
        return None
    followup = (
        FollowUp.objects.visible_to(panel.user)
        .filter(ticket=panel.ticket)
        .select_related("survey", "closed_by")
        .first()
    )
    if followup is None:
        return None
    return {"followup": followup, "outcomes": FollowUpOutcome.choices}


def register_followup_panel() -> None:
    register(
        PanelSection(
            key="feedback_followup",
            title=_("Feedback follow-up"),
            template="insights/followup/panel.html",
            context=_context,
            order=5,
        )
    )
