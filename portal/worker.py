"""Task workers that outlive outages and leave no task stranded (``manage.py worker``).

django-tasks-db's worker (``db_worker``) exits for good on the first database error, and a
task whose worker died stays RUNNING forever. ``Worker`` below is that worker with three
additions:

- **Reconnect with backoff.** A database or cache connection error (``TRANSIENT_ERRORS``)
  inside the loop closes the broken connections, logs a warning, waits 1, 2, 4 ... up to 30
  seconds (``Backoff``) and carries on. A task interrupted by such an error is put back in
  its queue rather than recorded as failed.
- **A lease.** A thread records a ``WorkerHeartbeat`` every ``TASKS_HEARTBEAT_SECONDS``.
  ``tasks_recover()`` (at worker start, and in the portal's periodic pass) puts RUNNING tasks
  whose worker has not been seen for ``TASKS_LEASE_SECONDS`` back to READY, or to FAILED once
  they were started ``TASKS_MAX_ATTEMPTS`` times, so another worker runs them. So every task
  must be safe to run twice: each ``@task`` says why it is in its docstring.
- **Its own leftovers.** After an outage, or when started again with the same
  ``--worker-id``, the worker puts back the tasks it had claimed and not finished at once,
  without waiting for the lease.

The guarantee is "at least once": a task runs again after a crash, never silently dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError, connections, transaction
from django.tasks import TaskResultStatus
from django.tasks.base import TaskContext
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker as DBWorker
from django_tasks_db.models import DBTaskResult

from portal.tasks import running_on

logger = logging.getLogger("portal.worker")


def _transient_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OperationalError, InterfaceError, ConnectionError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a dependency, but only for the cache
        pass
    else:
        errors += [RedisConnectionError, RedisTimeoutError]
    return tuple(errors)


#: Errors that mean "a database or cache connection broke": wait, reconnect and go on.
TRANSIENT_ERRORS = _transient_errors()


class LeaseExpired(Exception):
    """Recorded on a task failed by ``tasks_recover`` after too many interrupted runs."""


class Backoff:
    """Capped exponential waits: 1, 2, 4 ... ``cap`` seconds; back to the first step after
    ``reset()`` (a success) or when the last failure is long past."""

    def __init__(self, *, first: float = 1.0, cap: float = 30.0) -> None:
        self.first, self.cap = first, cap
        self.failures = 0
        self.last_failure = 0.0

    def next(self) -> float:
        now = time.monotonic()
        if self.failures and now - self.last_failure > 2 * self.cap:
            self.failures = 0  # a new outage: start again from the first step
        delay = min(self.cap, self.first * 2**self.failures)
        self.failures += 1
        self.last_failure = now
        return delay

    def reset(self) -> None:
        self.failures = 0


def connections_close() -> None:
    """Close every database connection of this thread (broken ones included): the next
    query opens a fresh one."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Exception:  # a broken connection may fail to close; it is dropped anyway
            logger.debug("closing %s failed", conn.alias, exc_info=True)


def wait_out(
    exc: BaseException, *, what: str, backoff: Backoff, sleep: Callable[[float], Any] = time.sleep
) -> float:
    """Log a connection error, close the connections and sleep the next backoff step."""
    delay = backoff.next()
    logger.warning(
        "%s: %s (%s); reconnecting in %g s", what, type(exc).__name__, str(exc).strip(), delay
    )
    connections_close()
    sleep(delay)
    return delay


def beat(*, worker_id: str, queue_names: list[str], started_at=None) -> None:
    """Record that ``worker_id`` is alive now."""
    from portal.models import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"queue_names": ",".join(queue_names)[:200], "seen_at": now},
        create_defaults={
            "queue_names": ",".join(queue_names)[:200],
            "seen_at": now,
            "started_at": started_at or now,
        },
    )


def _put_back(result: DBTaskResult, *, why: str, now) -> str:
    """READY again, or FAILED when it was started ``TASKS_MAX_ATTEMPTS`` times already."""
    attempts = len(result.worker_ids)
    if attempts >= settings.TASKS_MAX_ATTEMPTS:
        result.status = TaskResultStatus.FAILED
        result.finished_at = now
        result.exception_class_path = f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}"
        result.traceback = (
            f"{LeaseExpired.__qualname__}: {why}; started {attempts} times "
            f"(TASKS_MAX_ATTEMPTS={settings.TASKS_MAX_ATTEMPTS}), not retried again\n"
        )
        result.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
        logger.error("task %s (%s) failed: %s", result.id, result.task_path, result.traceback)
        return "failed"
    result.status = TaskResultStatus.READY
    result.save(update_fields=["status"])
    logger.warning(
        "task %s (%s) back in queue %r: %s (attempt %d of %d)",
        result.id,
        result.task_path,
        result.queue_name,
        why,
        attempts,
        settings.TASKS_MAX_ATTEMPTS,
    )
    return "requeued"


@transaction.atomic
def tasks_recover(*, now=None) -> dict[str, int]:
    """Put back RUNNING tasks whose worker has not been seen for ``TASKS_LEASE_SECONDS``
    (and that started before that), so another worker runs them; fail those started
    ``TASKS_MAX_ATTEMPTS`` times. Also forgets heartbeats older than a day."""
    from portal.models import WorkerHeartbeat

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TASKS_LEASE_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    counts = {"requeued": 0, "failed": 0}
    stranded = (
        DBTaskResult.objects.running()
        .filter(started_at__lt=cutoff)
        .select_for_update(skip_locked=True)
        .order_by("started_at")
    )
    for result in stranded:
        worker = result.worker_ids[-1] if result.worker_ids else "?"
        if worker in alive:
            continue
        why = f"worker {worker} not seen for {settings.TASKS_LEASE_SECONDS} s"
        counts[_put_back(result, why=why, now=now)] += 1
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return counts


@transaction.atomic
def tasks_release(*, worker_id: str, why: str) -> dict[str, int]:
    """Put back the RUNNING tasks last claimed by ``worker_id`` (which runs none right now:
    it has just started, or has just reconnected after an outage)."""
    now = timezone.now()
    counts = {"requeued": 0, "failed": 0}
    for result in DBTaskResult.objects.running().select_for_update(skip_locked=True):
        if result.worker_ids and result.worker_ids[-1] == worker_id:
            counts[_put_back(result, why=why, now=now)] += 1
    return counts


class Heartbeat(threading.Thread):
    """Records the worker's heartbeat every ``interval`` seconds, on its own connection,
    also while a long task runs, and runs the lease pass every quarter lease (so stranded
    tasks are recovered even when ``tick`` is not running); connection errors are logged
    once and retried."""

    def __init__(self, worker: Worker, interval: float) -> None:
        super().__init__(name=f"heartbeat-{worker.worker_id}", daemon=True)
        self.worker, self.interval = worker, interval
        self.recover_every = max(interval, settings.TASKS_LEASE_SECONDS / 4)
        self.stopped = threading.Event()

    def run(self) -> None:
        failing = False
        recovered = time.monotonic()
        while not self.stopped.wait(self.interval):
            try:
                self.worker.beat()
                if time.monotonic() - recovered >= self.recover_every:
                    recovered = time.monotonic()
                    counts = tasks_recover()
                    if any(counts.values()):
                        logger.warning(
                            "worker %s: stranded tasks recovered: %s", self.worker.worker_id, counts
                        )
            except TRANSIENT_ERRORS as exc:
                if not failing:
                    logger.warning(
                        "worker %s: heartbeat failed: %s (%s); retrying every %g s",
                        self.worker.worker_id,
                        type(exc).__name__,
                        str(exc).strip(),
                        self.interval,
                    )
                failing = True
                connections_close()
            except Exception:  # a bug here must not stop the heartbeat: log it, go on
                logger.exception("worker %s: heartbeat pass failed", self.worker.worker_id)
                connections_close()
            else:
                if failing:
                    logger.warning("worker %s: heartbeat recorded again", self.worker.worker_id)
                failing = False
        connections_close()


class Worker(DBWorker):
    """django-tasks-db's worker with reconnects, a heartbeat and put-back (module docs)."""

    def __init__(self, *, heartbeat_seconds: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heartbeat_seconds = heartbeat_seconds
        self.started = timezone.now()
        self.backoff = Backoff()

    def beat(self) -> None:
        beat(worker_id=self.worker_id, queue_names=self.queue_names, started_at=self.started)

    def prepare(self) -> None:
        """First heartbeat, own leftovers back in the queue, then the lease pass."""
        self.beat()
        tasks_release(worker_id=self.worker_id, why="its worker started again")
        counts = tasks_recover()
        if any(counts.values()):
            logger.warning("worker %s: stranded tasks recovered: %s", self.worker_id, counts)

    def run(self) -> None:
        heartbeat = None
        if self.heartbeat_seconds:
            heartbeat = Heartbeat(self, self.heartbeat_seconds)
            heartbeat.start()
        try:
            self._run_until_done()
        finally:
            if heartbeat is not None:  # stopped before the interpreter exits: a clean exit
                heartbeat.stopped.set()
                heartbeat.join(timeout=10)

    def _run_until_done(self) -> None:
        prepared = False
        while self.running:
            try:
                if not prepared:
                    self.prepare()
                    prepared = True
                else:
                    tasks_release(worker_id=self.worker_id, why="interrupted by an outage")
                super().run()  # returns on --batch, --max-tasks or shutdown
                return
            except TRANSIENT_ERRORS as exc:
                if not self.running:
                    return
                wait_out(exc, what=f"worker {self.worker_id}", backoff=self.backoff)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """The library's ``run_task``, except that a connection error (in the task or while
        recording its result) goes up to the loop, which reconnects and puts the task back,
        instead of recording the task as failed."""
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            with running_on(db_task_result.queue_name):
                if task.takes_context:
                    context = TaskContext(task_result=task_result)
                    return_value = task.call(context, *task_result.args, **task_result.kwargs)
                else:
                    return_value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(return_value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
            self.backoff.reset()
        except TRANSIENT_ERRORS:
            raise
        except BaseException as exc:
            db_task_result.set_failed(exc)
            try:
                sender = type(db_task_result.task.get_backend())
                task_result = db_task_result.task_result
            except (ImportError, SuspiciousOperation):
                logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
            else:
                task_finished.send(sender=sender, task_result=task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1
