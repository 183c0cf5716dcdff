"""``manage.py worker`` (portal/worker.py): reconnects after outages, leases, no stranded task.

On PostgreSQL the fault tests start real worker and ``tick`` subprocesses against the test
database, make the database refuse connections (``ALLOW_CONNECTIONS false`` and its sessions
terminated) or SIGKILL a worker in the middle of a task. SQLite's test database lives in the
test process's memory, where no subprocess can reach it: there the same tests run the
worker in this process against a task left RUNNING by a worker that is gone (a weaker check,
but the tests never skip).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.models import WorkerHeartbeat
from portal.worker import Backoff, LeaseExpired, Worker, beat, tasks_recover, tasks_release
from tests.portal.worker_tasks import marker_task

ROOT = Path(__file__).resolve().parents[2]
DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
}

pytestmark = pytest.mark.usefixtures("db_task_backend")


@pytest.fixture
def db_task_backend():
    with override_settings(TASKS={**DB_TASKS}):
        yield


def in_process_worker(worker_id: str, **options) -> Worker:
    defaults = dict(
        heartbeat_seconds=0,
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    return Worker(**{**defaults, **options})


def strand(result_id, *, worker_id: str, minutes_ago: int = 10, attempts: int = 1) -> None:
    """Leave the task as a worker that died ``minutes_ago`` left it: RUNNING, claimed."""
    started = timezone.now() - timedelta(minutes=minutes_ago)
    DBTaskResult.objects.filter(pk=result_id).update(
        status=TaskResultStatus.RUNNING,
        started_at=started,
        worker_ids=[f"earlier-{n}" for n in range(attempts - 1)] + [worker_id],
    )
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, queue_names="default", started_at=started, seen_at=started
    )


# --- backoff -------------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_cap_and_starts_again_after_a_success():
    backoff = Backoff(first=1, cap=30)
    assert [backoff.next() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    backoff.reset()
    assert backoff.next() == 1


# --- the lease (in this process, both databases) -------------------------------------------


def test_a_dead_workers_task_goes_back_to_the_queue_and_another_worker_runs_it(
    transactional_db, tmp_path
):
    marker = tmp_path / "marker.txt"
    result = marker_task.enqueue(str(marker))
    strand(result.id, worker_id="gone")
    assert tasks_recover() == {"requeued": 1, "failed": 0}
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.READY

    in_process_worker("w2").run()

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["gone", "w2"]
    assert marker.read_text().count("done") == 1


def test_a_live_workers_task_and_a_fresh_claim_are_left_alone(transactional_db, tmp_path):
    alive = marker_task.enqueue(str(tmp_path / "a"))
    fresh = marker_task.enqueue(str(tmp_path / "b"))
    strand(alive.id, worker_id="busy")
    beat(worker_id="busy", queue_names=["default"])  # seen just now: still running it
    DBTaskResult.objects.filter(pk=fresh.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=["new"]
    )  # claimed within the lease by a worker that has not beaten yet
    assert tasks_recover() == {"requeued": 0, "failed": 0}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"RUNNING"}


def test_a_task_interrupted_too_often_fails_with_the_reason(transactional_db, tmp_path):
    result = marker_task.enqueue(str(tmp_path / "m"))
    strand(result.id, worker_id="third", attempts=settings.TASKS_MAX_ATTEMPTS)
    assert tasks_recover() == {"requeued": 0, "failed": 1}
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "portal.worker.LeaseExpired"
    assert "not seen for" in row.traceback and LeaseExpired.__name__ in row.traceback
    assert row.finished_at is not None


def test_a_restarted_worker_puts_back_its_own_unfinished_task_at_once(transactional_db, tmp_path):
    marker = tmp_path / "m"
    result = marker_task.enqueue(str(marker))
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=["urgent-1"]
    )
    assert tasks_release(worker_id="someone-else", why="test") == {"requeued": 0, "failed": 0}

    in_process_worker("urgent-1").run()  # same id: its leftover runs now, not after the lease

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["urgent-1", "urgent-1"]
    assert WorkerHeartbeat.objects.get(worker_id="urgent-1").queue_names == "default"


def test_the_lease_pass_runs_with_the_periodic_passes(transactional_db, tmp_path):
    result = marker_task.enqueue(str(tmp_path / "m"))
    strand(result.id, worker_id="gone")
    call_command("tick", stdout=(out := StringIO()))
    assert "portal.tasks.tasks_recover_task: {'requeued': 1, 'failed': 0}" in out.getvalue()


def test_the_worker_refuses_an_unknown_queue(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown queue"):
        call_command("worker", "--queue-name", "urgnet", "--batch", "--no-reload")


# --- real subprocesses (PostgreSQL) -------------------------------------------------------


def _db_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def spawn(log: Path, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _db_url(),
        "TASKS_LEASE_SECONDS": "3",
        "TASKS_HEARTBEAT_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    return subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def spawn_worker(log: Path, worker_id: str) -> subprocess.Popen:
    return spawn(
        log,
        "worker",
        "--queue-name=default",
        "--no-reload",
        "--no-startup-delay",
        "--interval=0.2",
        f"--worker-id={worker_id}",
    )


def wait_until(condition, *, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or condition}")


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def database_refusing():
    """The outage, while the block runs: the test database refuses new connections and its
    sessions are terminated (from an admin connection to the ``postgres`` database); then
    it comes back. PostgreSQL only."""
    import psycopg

    db = connection.settings_dict
    admin = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )
    name = db["NAME"]
    try:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        yield
    finally:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        admin.close()
        connection.close()  # this test's own session was terminated too


def refuse_connections_for(seconds: float) -> None:
    with database_refusing():
        time.sleep(seconds)


def status_of(result_id) -> str:
    return DBTaskResult.objects.get(pk=result_id).status


def test_a_worker_killed_mid_task_has_its_task_completed_once_by_another(
    transactional_db, tmp_path
):
    marker = tmp_path / "marker.txt"
    postgresql = connection.vendor == "postgresql"
    result = marker_task.enqueue(str(marker), sleep=120 if postgresql else 0)
    if not postgresql:
        strand(result.id, worker_id="killed")
        tasks_recover()
        in_process_worker("survivor").run()
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.SUCCESSFUL
        assert row.worker_ids == ["killed", "survivor"]
        return

    first = spawn_worker(tmp_path / "first.log", "first")
    second = None
    try:
        wait_until(lambda: marker.exists(), what="the first worker to start the task")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert status_of(result.id) == TaskResultStatus.RUNNING  # stranded, as before

        second = spawn_worker(tmp_path / "second.log", "second")
        wait_until(
            lambda: status_of(result.id) == TaskResultStatus.SUCCESSFUL,
            what="the second worker to complete the task after the lease",
        )
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.worker_ids == ["first", "second"]
        lines = marker.read_text().split()
        assert lines.count("start") == 2 and lines.count("done") == 1
        assert row.return_value == second.pid  # completed once, by the second worker
        assert second.poll() is None
    finally:
        stop(*(p for p in (first, second) if p is not None))


def test_the_worker_and_the_ticker_outlive_a_database_outage(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        in_process_worker("w").run()  # the loop itself: heartbeat, lease pass, batch exit
        assert WorkerHeartbeat.objects.filter(worker_id="w").exists()
        call_command("tick", "--enqueue", stdout=StringIO())
        call_command("tick", "--enqueue", stdout=(out := StringIO()))
        assert "already queued" in out.getvalue()  # a waiting pass is not queued twice
        return

    worker_log, tick_log = tmp_path / "worker.log", tmp_path / "tick.log"
    worker = spawn_worker(worker_log, "steady")
    ticker = spawn(tick_log, "tick", "--enqueue", "--every", "1")
    try:
        wait_until(
            lambda: (
                WorkerHeartbeat.objects.filter(worker_id="steady").exists()
                and "tasks_recover_task" in tick_log.read_text()
            ),
            what="the worker's first heartbeat and the ticker's first round",
        )
        refuse_connections_for(4)
        outage_over = time.monotonic()

        marker = tmp_path / "after.txt"
        result = marker_task.enqueue(str(marker))
        wait_until(
            lambda: status_of(result.id) == TaskResultStatus.SUCCESSFUL,
            what="the task queued after the outage to be run by the same worker",
        )
        assert DBTaskResult.objects.get(pk=result.id).worker_ids == ["steady"]
        assert time.monotonic() - outage_over < 40
        assert worker.poll() is None and ticker.poll() is None

        assert "reconnecting in" in worker_log.read_text()
        wait_until(
            lambda: "tasks_recover_task" in tick_log.read_text().split("reconnecting in", 1)[-1],
            what="the ticker to queue a round after the outage",
        )
        assert "reconnecting in" in tick_log.read_text()
        assert ticker.poll() is None
        stop(worker)
        assert worker.returncode == 0, worker_log.read_text()[-3000:]  # SIGTERM: clean exit
    finally:
        stop(worker, ticker)


# --- queues --------------------------------------------------------------------------------


def _notify_once(event_key: str) -> None:
    from portal.services.notifications import NotificationContent, notify
    from tests.conftest import make_user

    user = make_user(f"{event_key}@example.com")
    notify(
        event_key=event_key,
        kind="test",
        topic="ticket_updates",
        recipients=[user],
        content=lambda user: NotificationContent(title="Hello", body="Body"),
    )


def test_emails_queued_by_a_task_go_to_that_tasks_queue(transactional_db):
    from portal.tasks import running_on

    with running_on("bulk"):
        _notify_once("survey-like")
    _notify_once("ticket-like")  # outside a task: the default queue

    queued = list(
        DBTaskResult.objects.filter(task_path__startswith="portal.tasks.notifications_deliver")
        .order_by("enqueued_at")
        .values_list("task_path", "queue_name")
    )
    assert queued == [
        ("portal.tasks.notifications_deliver_batch", "bulk"),  # held, queued as the task ends
        ("portal.tasks.notifications_deliver", "default"),
    ]


def test_every_task_names_a_queue_that_has_a_worker():
    import importlib

    from django.tasks import Task

    apps = ["portal", "knowledgebase", "tickets", "catalogue", "community", "outages", "insights"]
    tasks = {
        value.name: value.queue_name
        for app in apps
        for value in vars(importlib.import_module(f"{app}.tasks")).values()
        if isinstance(value, Task)
    }
    assert set(tasks.values()) <= set(settings.TASK_QUEUES)
    assert tasks["notices_fan_out"] == tasks["notifications_deliver_batch"] == "urgent"
    assert tasks["notifications_deliver"] == tasks["sla_tick_task"] == "default"
    assert tasks["surveys_send_task"] == tasks["digests_send_task"] == "bulk"
    assert tasks["insights_rollup_task"] == tasks["clv_fit_task"] == "bulk"


def test_a_bulk_tasks_emails_are_batched_and_spread_out(transactional_db, monkeypatch):
    """A burst of survey or digest emails is a few batch tasks on ``bulk``, each starting
    when the rate allows (60 a minute here: a batch of 2 every 2 s), not one task per email
    at once; the last, partial batch is queued when the task ends."""
    from portal import tasks
    from portal.models import NotificationDelivery

    monkeypatch.setattr(tasks, "BULK_BATCH", 2)
    with override_settings(TASKS_BULK_EMAILS_PER_MINUTE=60), tasks.running_on("bulk"):
        for n in range(5):
            _notify_once(f"burst-{n}")
        held = list(DBTaskResult.objects.values_list("args_kwargs", flat=True))
        assert len(held) == 2  # two full batches so far, the fifth email held
    rows = list(
        DBTaskResult.objects.filter(task_path="portal.tasks.notifications_deliver_batch").order_by(
            "enqueued_at"
        )
    )
    assert not DBTaskResult.objects.filter(task_path="portal.tasks.notifications_deliver")
    assert [row.queue_name for row in rows] == ["bulk"] * 3
    assert [len(row.args_kwargs["args"][0]) for row in rows] == [2, 2, 1]
    emails = set(NotificationDelivery.objects.filter(channel="email").values_list("pk", flat=True))
    assert {pk for row in rows for pk in row.args_kwargs["args"][0]} == emails
    first, second, third = (row.run_after for row in rows)
    assert first.year == 9999  # the first at once (no run_after)
    assert round((third - second).total_seconds()) == 2
