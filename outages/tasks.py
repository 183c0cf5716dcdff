"""Background tasks of the outages app."""

from __future__ import annotations

from django.tasks import task

from .services import notices_send


@task
def notices_fan_out(incident_id: int) -> dict[str, int]:
    """Send an incident's published updates to its audience; safe to run again."""
    return {"created": notices_send(incident_id=incident_id)}
