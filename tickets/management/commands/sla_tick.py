"""``manage.py sla_tick``: the periodic SLA pass (breaches, escalation, auto-close).

Run it every few minutes: from cron (``*/5 * * * * .venv/bin/python manage.py sla_tick``),
as a long-running process (``--every 300``), or hand it to the task worker (``--enqueue``).
Each run is idempotent; concurrent runs on PostgreSQL split the tickets (SKIP LOCKED).
"""

from __future__ import annotations

from portal.management.periodic import PeriodicCommand
from tickets.services.escalation import sla_tick


class Command(PeriodicCommand):
    help = "Record SLA breaches, escalate at-risk and breached tickets, auto-close resolved ones."
    task = "tickets.tasks.sla_tick_task"

    def run_once(self) -> str:
        report = sla_tick().as_dict()
        return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in report.items())
