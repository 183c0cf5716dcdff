"""Background tasks of the outages app."""

from __future__ import annotations

from django.tasks import task

from .services import notices_send


@task(queue_name="urgent")
def notices_fan_out(incident_id: int) -> dict[str, int]:
    """Send an incident's published updates to its audience. Queue ``urgent``. Safe to run
    twice: deliveries are unique per event, recipient and channel, and only newly inserted
    (or still pending) ones are sent."""
    return {"created": notices_send(incident_id=incident_id)}
