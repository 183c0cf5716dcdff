"""``manage.py tick``: every app's periodic pass, in one place.

Apps list their periodic tasks on their ``AppConfig`` (``periodic_tasks``, dotted paths of
Django tasks): SLA escalation and auto-close (tickets), scheduled publishing and deflections
(knowledge base), requests whose ticket was resolved (catalogue), surveys that are due
(insights). Every pass is idempotent, so running them often or twice is harmless.

    manage.py tick                      # run each pass now, in this process
    manage.py tick --enqueue            # queue them for the task worker (db_worker)
    manage.py tick --enqueue --every 60 # keep queueing them every minute (what `make run` does)

In production run one ``tick --enqueue --every 60`` process beside the workers (deploy/).
With ``--every`` it outlives outages: a database or cache connection error is logged, the
connections are closed and the round is tried again after 1, 2, 4 ... 30 seconds; any other
error of one pass is logged with its traceback and the other passes still run. A pass that
is still waiting in the queue is not queued again.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from portal.worker import TRANSIENT_ERRORS, Backoff, wait_out

logger = logging.getLogger("portal.tick")


def periodic_tasks() -> list[str]:
    """The dotted paths of every installed app's periodic tasks, in ``INSTALLED_APPS`` order."""
    return [
        dotted
        for config in apps.get_app_configs()
        for dotted in getattr(config, "periodic_tasks", ())
    ]


def already_queued(task) -> bool:
    """True when the database backend holds this task ready and not started yet."""
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(task_path=task.module_path).exists()


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
        if not every:
            self.round(tasks, enqueue=enqueue, keep_going=False)
            return
        backoff = Backoff()
        while True:
            try:
                self.round(tasks, enqueue=enqueue, keep_going=True)
            except TRANSIENT_ERRORS as exc:
                wait_out(exc, what="tick", backoff=backoff)
                continue
            backoff.reset()
            self.stdout.flush()
            time.sleep(every)

    def round(self, tasks: list, *, enqueue: bool, keep_going: bool) -> None:
        """Each pass once; with ``keep_going`` a pass's own bug is logged, not fatal
        (connection errors always go up: the whole round is tried again)."""
        for dotted, task in tasks:
            try:
                if enqueue and already_queued(task):
                    self.stdout.write(f"{dotted}: already queued")
                elif enqueue:
                    self.stdout.write(f"{dotted}: queued ({task.enqueue().id})")
                else:
                    self.stdout.write(f"{dotted}: {task.call()}")
            except TRANSIENT_ERRORS:
                raise
            except Exception:
                if not keep_going:
                    raise
                logger.exception("tick: %s failed", dotted)
