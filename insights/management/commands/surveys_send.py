"""``manage.py surveys_send``: schedule CSAT/CES after resolved tickets and fulfilled
requests read from the interaction log, and NPS per customer (see
``insights.services.sender``). Idempotent; prints what it did as JSON. Like every periodic
command: ``--every SECONDS`` keeps running, ``--enqueue`` hands the pass to the worker."""

from __future__ import annotations

import json

from django.core.management.base import CommandParser

from insights.services.sender import surveys_send
from portal.management.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = "Send the surveys that are due (CSAT, CES, NPS) under the contact policy."
    task = "insights.tasks.surveys_send_task"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-nps", action="store_true", help="Skip the NPS round.")

    def handle(self, *args, no_nps: bool = False, **options) -> None:
        self.nps = not no_nps
        super().handle(*args, **options)

    def run_once(self) -> str:
        return json.dumps(surveys_send(nps=self.nps))
