"""``manage.py catalogue_tick``: the catalogue's periodic pass.

Fulfils the service requests whose ticket an agent resolved or closed (manual items and
failed automations handed to the desk). Run it every few minutes: from cron
(``*/5 * * * * .venv/bin/python manage.py catalogue_tick``), as a long-running process
(``--every 300``), or hand it to the task worker (``--enqueue``). Each run is idempotent.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from catalogue.services import requests_sync_tickets


class Command(BaseCommand):
    help = "Fulfil service requests whose ticket was resolved or closed on the desk."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the background task (catalogue.tasks.catalogue_tick_task) instead.",
        )
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, one pass every SECONDS (stop with Ctrl-C).",
        )

    def handle(self, *args: Any, enqueue: bool, every: int, **options: Any) -> None:
        if every < 0:
            raise CommandError("--every must be a positive number of seconds")
        if enqueue:
            from catalogue.tasks import catalogue_tick_task

            result = catalogue_tick_task.enqueue()
            self.stdout.write(f"queued catalogue_tick_task ({result.id})")
            return
        while True:
            self.stdout.write(
                f"requests fulfilled from resolved tickets: {requests_sync_tickets()}"
            )
            if not every:
                return
            time.sleep(every)
