"""/healthz: liveness and readiness of the database, the cache and the task queue."""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
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
    return {"ok": ok, "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _check_tasks() -> dict:
    backend = settings.TASKS["default"]["BACKEND"]
    info: dict = {"ok": True, "backend": backend.rsplit(".", 1)[-1]}
    if backend == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        ready = DBTaskResult.objects.ready()
        info["waiting"] = ready.count()
        oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        info["oldest_waiting_seconds"] = (
            round((timezone.now() - oldest).total_seconds()) if oldest else 0
        )
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
