"""The outages app's periodic pass (``AppConfig.periodic_tasks``, run by ``manage.py tick``):
link affected customers' new tickets to open incidents (``services_autolink``)."""

from __future__ import annotations

from django.tasks import task

from .services_autolink import incidents_auto_link


@task(queue_name="default")
def incidents_auto_link_task() -> dict[str, int]:
    """Safe to run twice, or twice at once: one link per incident and ticket, made under the
    ticket's row lock; unlinked tickets are never linked again."""
    return {"tickets linked": incidents_auto_link()}
