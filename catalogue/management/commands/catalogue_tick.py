"""``manage.py catalogue_tick``: the catalogue's periodic pass.

Fulfils the service requests whose ticket an agent resolved or closed (manual items and
failed automations handed to the desk). Run it every few minutes: from cron
(``*/5 * * * * .venv/bin/python manage.py catalogue_tick``), as a long-running process
(``--every 300``), or hand it to the task worker (``--enqueue``). Each run is idempotent.
"""

from __future__ import annotations

from catalogue.services import requests_sync_tickets
from portal.management.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = "Fulfil service requests whose ticket was resolved or closed on the desk."
    task = "catalogue.tasks.catalogue_tick_task"

    def run_once(self) -> str:
        return f"requests fulfilled from resolved tickets: {requests_sync_tickets()}"
