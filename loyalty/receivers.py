"""``interaction_recorded`` listener: runs the earning pass right after a commit, for
promptness. The periodic pass (``loyalty.tasks.loyalty_earning_task``) is the guarantee: an
event whose signal never arrives (the process died after commit) is earned by it."""

from __future__ import annotations

import logging
import time

from loyalty.services import earning
from portal.models import Interaction

logger = logging.getLogger(__name__)

#: A bulk insert (an import, an outage's compensation fan-out) sends one signal per row: this
#: process asks for the pass at most once per DEBOUNCE_SECONDS (the pass reads everything
#: committed when it runs; what it misses, the periodic pass earns).
DEBOUNCE_SECONDS = 1.0
_requested_at = 0.0


def interaction_received(sender, interaction: Interaction, **kwargs) -> None:
    """Ask for the earning pass, unless this process has already processed the interaction
    or asked for a pass a moment ago."""
    global _requested_at
    if interaction.kind not in earning.HANDLERS:
        return
    if interaction.pk is not None and interaction.pk <= earning.processed_up_to:
        return
    now = time.monotonic()
    if now - _requested_at < DEBOUNCE_SECONDS:
        return
    _requested_at = now
    try:
        from loyalty.tasks import loyalty_earning_task

        loyalty_earning_task.enqueue()
    except Exception:  # promptness only: never fail the request that recorded the event
        logger.exception("loyalty: could not start the earning pass")
    if interaction.pk is not None and earning.processed_up_to >= interaction.pk:
        _requested_at = 0.0  # the pass ran here and then (an immediate task backend)
