"""The shape every periodic command shares: run one pass now, keep running with
``--every SECONDS``, or hand the pass to the task worker with ``--enqueue``.

A command subclasses ``PeriodicCommand`` and says which task queues it (``task``, a dotted
path) and how to run one pass in this process (``run_once``, returning the line to print).
``manage.py tick`` runs every app's pass; the per-app commands are for cron lines and
debugging one part. With ``--every`` both wait out a database or cache outage (logged, capped
exponential backoff) instead of exiting.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from portal.worker import TRANSIENT_ERRORS, Backoff, wait_out


class PeriodicCommand(BaseCommand):
    task: str = ""  # dotted path of the Django task that runs the same pass

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help=f"Queue the background task ({self.task}) instead of running now.",
        )
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, one pass every SECONDS (stop with Ctrl-C).",
        )

    def run_once(self) -> str:
        raise NotImplementedError

    def enqueue(self) -> str:
        result = import_string(self.task).enqueue()
        return f"queued {self.task.rsplit('.', 1)[-1]} ({result.id})"

    def handle(self, *args: Any, enqueue: bool, every: int, **options: Any) -> None:
        if every < 0:
            raise CommandError("--every must be a positive number of seconds")
        if not every:
            self.stdout.write(self.enqueue() if enqueue else self.run_once())
            return
        backoff = Backoff()
        while True:  # like ``tick --every``: a database or cache outage is waited out
            try:
                self.stdout.write(self.enqueue() if enqueue else self.run_once())
            except TRANSIENT_ERRORS as exc:
                wait_out(exc, what=self.__module__.rsplit(".", 1)[-1], backoff=backoff)
                continue
            backoff.reset()
            self.stdout.flush()
            time.sleep(every)
