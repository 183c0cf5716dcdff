"""/healthz sees the task queue: a worker seen lately, no ready task waiting too long; and it
answers JSON even when the cache is down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.worker import beat
from tests.portal.worker_tasks import marker_task

DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
}
#: Nothing listens on port 1: every cache call fails to connect.
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def db_task_backend():
    with override_settings(TASKS={**DB_TASKS}):
        yield


def tasks_check(client, status: int) -> dict:
    response = client.get("/healthz")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    return response.json()["checks"]["tasks"]


def test_no_worker_ever_seen_is_unhealthy(client, db, db_task_backend):
    tasks = tasks_check(client, 503)
    assert tasks["ok"] is False
    assert tasks["error"] == "no worker seen"
    assert tasks["worker_seen_seconds"] is None
    assert tasks["ready"] == 0 and tasks["oldest_ready_seconds"] == 0


def test_a_worker_seen_lately_and_an_empty_queue_are_healthy(client, db, db_task_backend):
    beat(worker_id="w1", queue_names=["urgent"])
    tasks = tasks_check(client, 200)
    assert tasks["ok"] is True
    assert tasks["worker_seen_seconds"] == 0
    assert tasks["workers_alive"] == 1
    assert tasks["ready"] == 0


def test_a_worker_not_seen_for_too_long_is_unhealthy(client, db, db_task_backend):
    beat(worker_id="w1", queue_names=["default"])
    from portal.models import WorkerHeartbeat

    stale = settings.HEALTH_WORKER_STALE_SECONDS + 30
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=stale))
    tasks = tasks_check(client, 503)
    assert tasks["error"] == "no worker seen"
    assert tasks["worker_seen_seconds"] >= stale
    assert tasks["workers_alive"] == 0


def test_a_ready_task_waiting_too_long_is_unhealthy_and_shown(
    client, db, db_task_backend, tmp_path
):
    beat(worker_id="w1", queue_names=["default"])
    old = marker_task.enqueue(str(tmp_path / "a"))
    marker_task.enqueue(str(tmp_path / "b"))
    age = settings.HEALTH_QUEUE_MAX_AGE_SECONDS + 60
    DBTaskResult.objects.filter(pk=old.id).update(
        enqueued_at=timezone.now() - timedelta(seconds=age)
    )
    tasks = tasks_check(client, 503)
    assert tasks["error"] == "queue too old"
    assert tasks["ready"] == 2
    assert age <= tasks["oldest_ready_seconds"] < age + 30


def test_a_deferred_task_counts_from_when_it_may_run(client, db, db_task_backend, tmp_path):
    beat(worker_id="w1", queue_names=["default"])
    result = marker_task.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(
        str(tmp_path / "a")
    )
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - timedelta(days=1))
    tasks = tasks_check(client, 200)  # not ready yet: not waiting
    assert tasks["ready"] == 0


def test_with_the_cache_down_healthz_still_answers_json(client, db):
    with override_settings(CACHES=CACHE_DOWN):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["tasks"]["ok"] is True


def test_with_the_database_down_healthz_answers_json_503(client, transactional_db):
    from django.db import connection

    from tests.portal.test_worker import database_refusing

    if connection.vendor != "postgresql":  # SQLite's test database cannot be taken away
        assert client.get("/healthz").json()["checks"]["database"]["ok"] is True
        return
    with database_refusing():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is False
    assert checks["database"]["error"] in {"OperationalError", "InterfaceError"}
    assert checks["cache"]["ok"] is True
    assert client.get("/healthz").json()["checks"]["database"]["ok"] is True  # back
