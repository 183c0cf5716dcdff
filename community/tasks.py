"""Background tasks (Django's tasks framework; ``manage.py db_worker`` runs them)."""

from __future__ import annotations

from django.tasks import task

from community.services.digest import digests_send


@task(queue_name="bulk")
def digests_send_task() -> dict[str, int]:
    """The followed-threads email digests that are due (``manage.py tick`` runs or queues
    it every minute; each member gets at most one per ``COMMUNITY_DIGEST_HOURS``). Queue
    ``bulk``. Safe to run twice: each member's pending items are locked and marked with their
    digest in one transaction, so a second run finds nothing pending to send."""
    return digests_send()
