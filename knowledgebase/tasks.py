"""Background tasks (Django's tasks framework; ``manage.py db_worker`` runs them)."""

from __future__ import annotations

from django.tasks import task

from knowledgebase.services import kb_tick


@task
def kb_tick_task() -> dict[str, int]:
    """One knowledge-base pass (scheduled publishing, deflections); ``manage.py kb_tick
    --enqueue`` queues it, cron or ``manage.py kb_tick --every 300`` runs it directly."""
    return kb_tick()
