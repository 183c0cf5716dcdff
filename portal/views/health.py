"""/healthz: liveness and readiness of the database, the cache and the task queue.

Always JSON, 200 when every check passes and 503 otherwise; a check that raises (the cache
or the database down) is reported as failed with the error's class, never a 500. The tasks
check shows how many seconds ago a worker was last seen, the age of the oldest ready task
and how many are ready."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, F, When
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _check_cache() -> dict:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    ok = cache.get(key) == "1"
    cache.delete(key)
    # The production backend answers from a per-process stand-in while Redis is down
    # (portal/cache_backend.py): that is not a healthy cache.
    ok = ok and not getattr(cache, "degraded", False)
    return {"ok": ok, "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _seconds_since(moment) -> int | None:
    return None if moment is None else max(0, round((timezone.now() - moment).total_seconds()))


def _check_tasks() -> dict:
    """The queue as a whole: with the database backend, unhealthy when no worker was seen for
    ``HEALTH_WORKER_STALE_SECONDS`` or the oldest ready task waits longer than
    ``HEALTH_QUEUE_MAX_AGE_SECONDS`` (a task deferred with ``run_after`` counts from then)."""
    backend = settings.TASKS["default"]["BACKEND"]
    info: dict = {"ok": True, "backend": backend.rsplit(".", 1)[-1]}
    if backend != "django_tasks_db.DatabaseBackend":
        return info  # tasks run in the request (immediate backend): no queue to watch
    from django.db.models import Max
    from django_tasks_db.models import DBTaskResult, get_date_max

    from portal.models import WorkerHeartbeat

    ready = DBTaskResult.objects.ready()
    info["ready"] = ready.count()
    since = (
        ready.annotate(
            since=Case(When(run_after=get_date_max(), then=F("enqueued_at")), default="run_after")
        )
        .order_by("since")
        .values_list("since", flat=True)
        .first()
    )
    info["oldest_ready_seconds"] = _seconds_since(since) or 0
    seen = WorkerHeartbeat.objects.aggregate(seen=Max("seen_at"))["seen"]
    info["worker_seen_seconds"] = _seconds_since(seen)
    info["workers_alive"] = WorkerHeartbeat.objects.filter(
        seen_at__gte=timezone.now() - timedelta(seconds=settings.HEALTH_WORKER_STALE_SECONDS)
    ).count()
    problems = []
    if info["worker_seen_seconds"] is None or (
        info["worker_seen_seconds"] > settings.HEALTH_WORKER_STALE_SECONDS
    ):
        problems.append("no worker seen")
    if info["oldest_ready_seconds"] > settings.HEALTH_QUEUE_MAX_AGE_SECONDS:
        problems.append("queue too old")
    info["ok"] = not problems
    if problems:
        info["error"] = ", ".join(problems)
    return info


CHECKS = {"database": _check_database, "cache": _check_cache, "tasks": _check_tasks}


@never_cache
@require_GET
def healthz(request):
    started = time.monotonic()
    results: dict[str, dict] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a failing dependency is a report, not a crash
            results[name] = {"ok": False, "error": exc.__class__.__name__}
    healthy = all(result["ok"] for result in results.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": results,
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
    }
    return JsonResponse(body, status=200 if healthy else 503)
