"""Background tasks (Django's tasks framework; ``manage.py db_worker`` runs them)."""

from __future__ import annotations

from django.tasks import task

from insights.services.followups import followups_pass
from insights.services.lifetime_value import FitError, clv_fit_run
from insights.services.rollups import rollup_pending
from insights.services.sender import surveys_send


@task(queue_name="bulk")
def surveys_send_task() -> dict[str, int]:
    """One survey pass; ``manage.py surveys_send --enqueue`` queues it, cron or
    ``manage.py surveys_send`` runs it directly. Queue ``bulk`` (its emails too). Safe to
    run twice: a survey is unique per trigger, so a second run sends none again."""
    return surveys_send()


@task(queue_name="bulk")
def insights_rollup_task() -> dict[str, int]:
    """The daily rollups' periodic pass (closed days not rolled up yet, the last few days
    again for late arrivals); ``manage.py tick`` runs it with the other passes. Queue
    ``bulk``. Safe to run twice: a day's rollup is recomputed and replaced, never added to."""
    return rollup_pending()


@task(queue_name="bulk")
def clv_fit_task(force: bool = False) -> dict:
    """The lifetime value fit: in the periodic pass once a day (when the last fit is older
    than ``FIT_EVERY``), or now when an admin asks (``force``). ``{"fit": id}`` when it ran,
    ``{"fit": None}`` when it was not due, ``{"fit": None, "error": ...}`` without enough data.
    Queue ``bulk``. Safe to run twice: the last fit is read under a row lock, so a second
    periodic run finds a fresh fit and does nothing; a forced second run stores one more fit,
    which replaces the first as the latest (nothing is counted twice)."""
    try:
        stored = clv_fit_run(force=force)
    except FitError as exc:
        return {"fit": None, "error": str(exc)}
    if stored is None:
        return {"fit": None}
    return {"fit": stored.pk, "customers": stored.customers}


@task(queue_name="default")
def followups_task() -> dict[str, int]:
    """First contacts onto open cases; cases for recent unhappy answers that have none.
    Safe to run twice: a first contact is written only where none is, and a case is opened
    only for an answer that has none."""
    return followups_pass()
