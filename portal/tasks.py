"""Background tasks of the portal (Django's tasks framework; ``manage.py worker``).

Queues (``settings.TASK_QUEUES``; one worker each, see ``portal/worker.py`` and deploy/):

- ``urgent``: outage notices (``outages.tasks.notices_fan_out`` and its email batches,
  ``notifications_deliver_batch``). Nothing else runs there, so they never wait.
- ``default``: event notifications, service-request fulfilment, the periodic passes that
  keep the desk right (SLA, knowledge base, catalogue, the lease pass below).
- ``bulk``: surveys, community digests, insights rollups: work that may come in bursts.

Email deliveries queued while a task runs go to that task's queue (``deliveries_queue``),
so a survey or digest burst queues its emails on ``bulk`` and an outage its notices on
``urgent``; on ``bulk`` they are batched and spread out at ``TASKS_BULK_EMAILS_PER_MINUTE``.
Password resets and address verification mails are not tasks: allauth sends them in the
request, so they wait behind nothing.

Every task may run twice (a worker that dies mid-task has it run again after the lease, see
``portal.worker``); each docstring says why a second run is harmless.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from portal.services.idempotency import idempotency_keys_expire
from portal.services.notifications import delivery_send

#: Emails per task when a bulk task's deliveries are batched (``deliveries_queue``).
BULK_BATCH = 100


@dataclass
class _Running:
    queue_name: str
    started: datetime = field(default_factory=timezone.now)
    emails: int = 0  # emails queued so far by this task
    held: list[int] = field(default_factory=list)  # bulk deliveries not queued yet


#: The task running in this worker (None outside a worker: the default queue, no spreading).
_running: ContextVar[_Running | None] = ContextVar("portal_running_task", default=None)


def deliveries_queue(ids: list[int]) -> None:
    """Queue the sending of email deliveries (called after the commit that wrote them). On
    ``bulk`` they are batched: held until ``BULK_BATCH`` are waiting (or the task ends),
    then one ``notifications_deliver_batch`` on ``bulk`` sends them through one connection,
    spread out at ``TASKS_BULK_EMAILS_PER_MINUTE`` (a burst of 6,000 survey emails is 60
    tasks over ten minutes, not 6,000 tasks at once). Elsewhere one task per event, on the
    running task's queue.

    A worker killed between the commit and the queueing leaves those deliveries pending;
    ``notifications_send`` (hourly in the production steps) sends them, once."""
    running = _running.get()
    if running is None:  # in a request: the default queue
        notifications_deliver.enqueue(ids)
        return
    if running.queue_name != "bulk" or settings.TASKS_BULK_EMAILS_PER_MINUTE <= 0:
        notifications_deliver.using(queue_name=running.queue_name).enqueue(ids)
        return
    running.held.extend(ids)
    while len(running.held) >= BULK_BATCH:
        _flush(running, BULK_BATCH)


def _flush(running: _Running, size: int) -> None:
    batch, running.held[:size] = running.held[:size], []
    job = notifications_deliver_batch.using(queue_name="bulk")
    delay = running.emails * 60 / settings.TASKS_BULK_EMAILS_PER_MINUTE
    if delay >= 1:
        job = job.using(run_after=running.started + timedelta(seconds=delay))
    running.emails += len(batch)
    job.enqueue(batch)


@contextmanager
def running_on(queue_name: str) -> Iterator[None]:
    """Mark the code inside as running on ``queue_name`` (the worker wraps each task); on
    the way out, queue the bulk deliveries it still holds (``deliveries_queue``)."""
    running = _Running(queue_name)
    token = _running.set(running)
    try:
        yield
    finally:
        _running.reset(token)
        if running.held:
            _flush(running, len(running.held))


@task(queue_name="default")
def notifications_deliver(delivery_ids: list[int]) -> dict[str, int]:
    """Send the email deliveries of one event (queued after the event's commit). Running it
    again sends nothing twice: each delivery is marked sent under a row lock."""
    sent = sum(delivery_send(pk) for pk in delivery_ids)
    return {"sent": sent, "skipped": len(delivery_ids) - sent}


@task(queue_name="urgent")
def notifications_deliver_batch(delivery_ids: list[int]) -> dict[str, int]:
    """Send many email deliveries (a batch of ``notify_bulk``: outage notices, on ``urgent``;
    or a bulk task's batch, on ``bulk``: ``deliveries_queue``) through one mailer
    connection. Running it again sends only the deliveries still pending, under row locks
    (``deliveries_send_batch`` says what a crash in the middle of a batch may repeat)."""
    from portal.services.notifications import deliveries_send_batch

    sent = deliveries_send_batch(delivery_ids)
    return {"sent": sent, "skipped": len(delivery_ids) - sent}


@task(queue_name="default")
def tasks_recover_task() -> dict[str, int]:
    """The lease pass (``portal.worker.tasks_recover``): RUNNING tasks of workers not seen
    for ``TASKS_LEASE_SECONDS`` go back to their queue; and email deliveries a dead worker
    left ``sending`` for ``SENDING_STALE`` are queued once more (``notifications_deliver_batch``
    sends each at most once more, or marks it failed after a second crash). Without this the
    one email in flight when a worker was killed stayed ``sending`` for ever: its task, put
    back at once by the restarted worker, runs before ``SENDING_STALE`` and skips it. A
    second run finds nothing left to recover (the tasks are READY by then, or running under a
    live worker; a queued batch sends only deliveries still pending)."""
    from portal.models import NotificationDelivery
    from portal.services.notifications import SENDING_STALE
    from portal.worker import tasks_recover

    result = tasks_recover()
    stale = list(
        NotificationDelivery.objects.filter(
            channel=NotificationDelivery.Channel.EMAIL,
            status=NotificationDelivery.Status.SENDING,
            sending_since__lt=timezone.now() - SENDING_STALE,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:10_000]
    )
    for start in range(0, len(stale), 1000):
        notifications_deliver_batch.enqueue(stale[start : start + 1000])
    if stale:
        result["emails_half_sent"] = len(stale)
    return result


@task(queue_name="default")
def idempotency_keys_expire_task() -> dict[str, int]:
    """Delete idempotency keys older than a day (``manage.py tick``). Safe to run twice:
    a second run finds nothing old enough left to delete."""
    return {"deleted": idempotency_keys_expire()}
