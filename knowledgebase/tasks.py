"""Background tasks (Django's tasks framework; ``manage.py db_worker`` runs them)."""

from __future__ import annotations

from django.tasks import task

from knowledgebase.services import kb_tick


@task(queue_name="default")
def kb_tick_task() -> dict[str, int]:
    """One knowledge-base pass (scheduled publishing, deflections); ``manage.py kb_tick
    --enqueue`` queues it, cron or ``manage.py kb_tick --every 300`` runs it directly.
    Safe to run twice: published pages are no longer due, and suggestion views are settled
    under row locks in the same transaction as their deflections, so none is settled twice."""
    return kb_tick()
