"""``manage.py tick``: every app's periodic pass, in one place.

Apps list their periodic tasks on their ``AppConfig`` (``periodic_tasks``, dotted paths of
Django tasks): SLA escalation and auto-close (tickets), scheduled publishing and deflections
(knowledge base), requests whose ticket was resolved (catalogue), surveys that are due
(insights). Every pass is idempotent, so running them often or twice is harmless.

    manage.py tick                      # run each pass now, in this process
    manage.py tick --enqueue            # queue them for the task worker (db_worker)
    manage.py tick --enqueue --every 60 # keep queueing them every minute (what `make run` does)

In production run ``tick --enqueue`` from cron (or one ``--every`` process) beside the workers.
"""

from __future__ import annotations

import time
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string


def periodic_tasks() -> list[str]:
    """The dotted paths of every installed app's periodic tasks, in ``INSTALLED_APPS`` order."""
    return [
        dotted
        for config in apps.get_app_configs()
        for dotted in getattr(config, "periodic_tasks", ())
    ]


class Command(BaseCommand):
    help = "Run (or queue) every app's periodic pass: SLA escalation, KB scheduling, surveys ..."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the tasks for the worker instead."
        )
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep going, one round every SECONDS (stop with Ctrl-C).",
        )

    def handle(self, *args: Any, enqueue: bool, every: int, **options: Any) -> None:
        if every < 0:
            raise CommandError("--every must be a positive number of seconds")
        tasks = [(dotted, import_string(dotted)) for dotted in periodic_tasks()]
        while True:
            for dotted, task in tasks:
                if enqueue:
                    self.stdout.write(f"{dotted}: queued ({task.enqueue().id})")
                else:
                    self.stdout.write(f"{dotted}: {task.call()}")
            if not every:
                return
            self.stdout.flush()
            time.sleep(every)
