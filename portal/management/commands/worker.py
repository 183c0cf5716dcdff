"""``manage.py worker``: the task worker to run in production (and in ``make run``).

It takes every option of django-tasks-db's ``db_worker`` and runs ``portal.worker.Worker``:
it survives database and cache outages (reconnects with backoff), records a heartbeat, and
puts back tasks stranded by a dead worker (see ``portal/worker.py``). Run one per queue:

    manage.py worker --queue-name urgent    # outage notices
    manage.py worker --queue-name default   # event notifications, fulfilment, periodic passes
    manage.py worker --queue-name bulk      # surveys, digests, rollups

Give each a stable ``--worker-id`` (deploy/ uses the queue and the host name) so that a
restarted worker puts its unfinished task back at once instead of after the lease.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from portal.worker import Worker


class Command(db_worker.Command):
    help = "Run a task worker that survives outages and recovers stranded tasks"

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        unknown = set(queue_names) - {"*", *settings.TASK_QUEUES}
        if unknown:
            raise CommandError(
                f"unknown queue {', '.join(sorted(unknown))}; "
                f"the queues are {', '.join(settings.TASK_QUEUES)}"
            )
        worker = Worker(
            heartbeat_seconds=settings.TASKS_HEARTBEAT_SECONDS,
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
