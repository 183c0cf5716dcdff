"""Background tasks of the portal (Django's tasks framework; ``manage.py db_worker``)."""

from __future__ import annotations

from django.tasks import task

from portal.services.notifications import delivery_send


@task
def notifications_deliver(delivery_ids: list[int]) -> dict[str, int]:
    """Send the email deliveries of one event (queued after the event's commit). Running it
    again sends nothing twice: each delivery is marked sent under a row lock."""
    sent = sum(delivery_send(pk) for pk in delivery_ids)
    return {"sent": sent, "skipped": len(delivery_ids) - sent}


@task
def notifications_deliver_batch(delivery_ids: list[int]) -> dict[str, int]:
    """Send many email deliveries (a batch of ``notify_bulk``) through one mailer
    connection; running it again sends nothing twice."""
    from portal.services.notifications import deliveries_send_batch

    sent = deliveries_send_batch(delivery_ids)
    return {"sent": sent, "skipped": len(delivery_ids) - sent}
