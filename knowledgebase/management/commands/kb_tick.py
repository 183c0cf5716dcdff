"""``manage.py kb_tick``: the knowledge base's periodic pass.

Publishes pages scheduled by editors ("Go-live date") and unpublishes expired ones (Wagtail's
``publish_scheduled``), and turns suggested-article views older than a day without a ticket
into deflections. Run it every few minutes: from cron
(``*/5 * * * * .venv/bin/python manage.py kb_tick``), as a long-running process
(``--every 300``), or hand it to the task worker (``--enqueue``). Each run is idempotent.
"""

from __future__ import annotations

from knowledgebase.services import kb_tick
from portal.management.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = "Publish scheduled knowledge-base pages, unpublish expired ones, settle deflections."
    task = "knowledgebase.tasks.kb_tick_task"

    def run_once(self) -> str:
        return ", ".join(f"{key}: {value}" for key, value in kb_tick().items())
