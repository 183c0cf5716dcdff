"""``manage.py sla_tick``: the periodic SLA pass (breaches, escalation, auto-close).

Run it every few minutes: from cron (``*/5 * * * * .venv/bin/python manage.py sla_tick``),
as a long-running process (``--every 300``), or hand it to the task worker (``--enqueue``).
Each run is idempotent; concurrent runs on PostgreSQL split the tickets (SKIP LOCKED).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tickets.services.escalation import sla_tick


class Command(BaseCommand):
    help = "Record SLA breaches, escalate at-risk and breached tickets, auto-close resolved ones."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the background task (tickets.tasks.sla_tick_task) instead of running.",
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
            from tickets.tasks import sla_tick_task

            result = sla_tick_task.enqueue()
            self.stdout.write(f"queued sla_tick_task ({result.id})")
            return
        if every < 0:
            raise CommandError("--every must be a positive number of seconds")
        while True:
            report = sla_tick()
            self.stdout.write(
                ", ".join(
                    f"{key.replace('_', ' ')}: {value}" for key, value in report.as_dict().items()
                )
            )
            if not every:
                return
            time.sleep(every)
