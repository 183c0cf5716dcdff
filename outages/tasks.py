"""Background tasks of the outages app."""

from __future__ import annotations

from django.tasks import task

from outages.services import incidents_auto_link, notices_send


@task(queue_name="urgent")
def notices_fan_out(incident_id: int) -> dict[str, int]:
    """Send an incident's published updates to its audience. Queue ``urgent``. Safe to run
    twice: deliveries are unique per event, recipient and channel, and only newly inserted
    (or still pending) ones are sent."""
    return {"created": notices_send(incident_id=incident_id)}


@task(queue_name="default")
def incidents_auto_link_task() -> dict[str, int]:
    """Safe to run twice, or twice at once: one link per incident and ticket, made under the
    ticket's row lock; unlinked tickets are never linked again."""
    return {"tickets linked": incidents_auto_link()}
