"""Background tasks (Django's tasks framework; ``manage.py db_worker`` runs them)."""

from __future__ import annotations

from django.tasks import task

from insights.services.rollups import rollup_pending
from insights.services.sender import surveys_send


@task
def surveys_send_task() -> dict[str, int]:
    """One survey pass; ``manage.py surveys_send --enqueue`` queues it, cron or
    ``manage.py surveys_send`` runs it directly."""
    return surveys_send()


@task
def insights_rollup_task() -> dict[str, int]:
    """The daily rollups' periodic pass (closed days not rolled up yet, the last few days
    again for late arrivals); ``manage.py tick`` runs it with the other passes."""
    return rollup_pending()
