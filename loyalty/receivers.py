"""``interaction_recorded`` listener: runs the earning pass right after a commit, for
promptness. The periodic pass (``loyalty.tasks.loyalty_earning_task``) is the guarantee: an
event whose signal never arrives (the process died after commit) is earned by it."""

from __future__ import annotations

import logging

from loyalty.services import earning
from portal.models import Interaction

logger = logging.getLogger(__name__)


def interaction_received(sender, interaction: Interaction, **kwargs) -> None:
    """Process the log up to this interaction, unless this process has already (a bulk
    insert sends one signal per row: the first pass covers them all)."""
    if interaction.kind not in earning.HANDLERS:
        return
    if interaction.pk is not None and interaction.pk <= earning.processed_up_to:
        return
    try:
        from loyalty.tasks import loyalty_earning_task

        loyalty_earning_task.enqueue()
    except Exception:  # promptness only: never fail the request that recorded the event
        logger.exception("loyalty: could not start the earning pass")
