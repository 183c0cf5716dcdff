"""``manage.py surveys_send``: schedule CSAT/CES after resolved tickets and fulfilled
requests read from the interaction log, and NPS per customer (see
``insights.services.sender``). Idempotent; prints what it did as JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from insights.services.sender import surveys_send


class Command(BaseCommand):
    help = "Send the surveys that are due (CSAT, CES, NPS) under the contact policy."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Queue it as a task instead.")
        parser.add_argument("--no-nps", action="store_true", help="Skip the NPS round.")

    def handle(self, *args, **options) -> None:
        if options["enqueue"]:
            from insights.tasks import surveys_send_task

            result = surveys_send_task.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        self.stdout.write(json.dumps(surveys_send(nps=not options["no_nps"])))
