"""``manage.py kb_tick``: the knowledge base's periodic pass.

Publishes pages scheduled by editors ("Go-live date") and unpublishes expired ones (Wagtail's
``publish_scheduled``), and turns suggested-article views older than a day without a ticket
into deflections. Run it every few minutes: from cron
(``*/5 * * * * .venv/bin/python manage.py kb_tick``), as a long-running process
(``--every 300``), or hand it to the task worker (``--enqueue``). Each run is idempotent.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from knowledgebase.services import kb_tick


class Command(BaseCommand):
    help = "Publish scheduled knowledge-base pages, unpublish expired ones, settle deflections."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the background task (knowledgebase.tasks.kb_tick_task) instead.",
        )
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, one pass every SECONDS (stop with Ctrl-C).",
        )

    def handle(self, *args: Any, enqueue: bool, every: int, **options: Any) -> None:
        if enqueue:
            from knowledgebase.tasks import kb_tick_task

            result = kb_tick_task.enqueue()
            self.stdout.write(f"queued kb_tick_task ({result.id})")
            return
        if every < 0:
            raise CommandError("--every must be a positive number of seconds")
        while True:
            report = kb_tick()
            self.stdout.write(", ".join(f"{key}: {value}" for key, value in report.items()))
            if not every:
                return
            time.sleep(every)
