"""Background tasks of the portal (Django's tasks framework; ``manage.py worker``).

Queues (``settings.TASK_QUEUES``; one worker each, see ``portal/worker.py`` and deploy/):

- ``urgent``: outage notices (``outages.tasks.notices_fan_out`` and its email batches,
  ``notifications_deliver_batch``). Nothing else runs there, so they never wait.
- ``default``: event notifications, service-request fulfilment, the periodic passes that
  keep the desk right (SLA, knowledge base, catalogue, the lease pass below).
- ``bulk``: surveys, community digests, insights rollups: work that may come in bursts.

Email deliveries queued while a task runs go to that task's queue (``delivery_queue``), so
a survey or digest burst queues its emails on ``bulk`` and an outage its notices on
``urgent``. Password resets and address verification mails are not tasks: allauth sends them
in the request, so they wait behind nothing.

Every task may run twice (a worker that dies mid-task has it run again after the lease, see
``portal.worker``); each docstring says why a second run is harmless.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.tasks import task

from portal.services.notifications import delivery_send

#: The queue of the task running in this worker ("" outside a worker: the default queue).
_current_queue: ContextVar[str] = ContextVar("portal_task_queue", default="")


def delivery_queue() -> str:
    """Where email deliveries queued now go: the running task's queue, else "default"."""
    return _current_queue.get() or "default"


@contextmanager
def running_on(queue_name: str) -> Iterator[None]:
    """Mark the code inside as running on ``queue_name`` (the worker wraps each task)."""
    token = _current_queue.set(queue_name)
    try:
        yield
    finally:
        _current_queue.reset(token)


@task(queue_name="default")
def notifications_deliver(delivery_ids: list[int]) -> dict[str, int]:
    """Send the email deliveries of one event (queued after the event's commit). Running it
    again sends nothing twice: each delivery is marked sent under a row lock."""
    sent = sum(delivery_send(pk) for pk in delivery_ids)
    return {"sent": sent, "skipped": len(delivery_ids) - sent}


@task(queue_name="urgent")
def notifications_deliver_batch(delivery_ids: list[int]) -> dict[str, int]:
    """Send many email deliveries (a batch of ``notify_bulk``: outage notices) through one
    mailer connection. Running it again sends only the deliveries still pending, under row
    locks (``deliveries_send_batch`` says what a crash in the middle of a batch may repeat)."""
    from portal.services.notifications import deliveries_send_batch

    sent = deliveries_send_batch(delivery_ids)
    return {"sent": sent, "skipped": len(delivery_ids) - sent}


@task(queue_name="default")
def tasks_recover_task() -> dict[str, int]:
    """The lease pass (``portal.worker.tasks_recover``): RUNNING tasks of workers not seen
    for ``TASKS_LEASE_SECONDS`` go back to their queue. A second run finds nothing left to
    recover (the tasks are READY by then, or running under a live worker)."""
    from portal.worker import tasks_recover

    return tasks_recover()
