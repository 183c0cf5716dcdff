"""Background tasks of the catalogue (Django's tasks framework; ``manage.py db_worker``)."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import default_task_backend, task
from django.utils import timezone


@task(queue_name="default")
def request_fulfil_task(request_id: int, retry: bool = False) -> str:
    """Fulfil one service request (``catalogue.services.request_fulfil``). Safe to run
    twice: the request row stays locked while it runs and a request that is done or waiting
    is left alone, so a second run changes nothing (a run cut off by a crash rolled back)."""
    from catalogue.services import request_fulfil

    request = request_fulfil(request_id=request_id, retry=retry)
    return request.status if request is not None else "missing"


def enqueue_fulfil(request_id: int, *, delay: int = 0, retry: bool = False) -> None:
    """Queue the fulfilment, ``delay`` seconds from now when the backend can defer tasks
    (the database backend can; the immediate backend of the tests runs it at once)."""
    job = request_fulfil_task
    if delay and default_task_backend.supports_defer:
        job = job.using(run_after=timezone.now() + timedelta(seconds=delay))
    job.enqueue(request_id, retry)


@task(queue_name="default")
def catalogue_tick_task() -> int:
    """One catalogue pass (``manage.py catalogue_tick``): requests whose ticket was resolved.
    Safe to run twice: a request already fulfilled is no longer selected."""
    from catalogue.services import requests_sync_tickets

    return requests_sync_tickets()
