"""System checks of the portal's own (``manage.py check``; ``--deploy`` for production ones)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.module_loading import import_string

#: Caches whose entries another process never sees.
PER_PROCESS_CACHES = (LocMemCache, DummyCache)


@checks.register(checks.Tags.caches, deploy=True)
def cache_shared_between_processes(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """portal.E001: in production (``DEBUG=0``) the default cache is shared by every process.

    MFA codes used once, login and service rate limits, the visitor page cache and the
    dashboards a worker warms live in the cache: per process, a TOTP code signs in once per web
    worker, rate limits count per worker and the web process never sees the warmed dashboard.
    """
    if settings.DEBUG:
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    try:
        backend_class = import_string(backend)
    except ImportError:
        return []  # Django's own cache checks report a backend that cannot be imported
    if not issubclass(backend_class, PER_PROCESS_CACHES):
        return []
    return [
        checks.Error(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) is per process while DEBUG is off.",
            hint=(
                "Set REDIS_URL, or leave it unset for the database cache "
                "(portal.cache_backend.SharedDatabaseCache): used MFA codes, rate limits and "
                "warmed dashboards must be shared by every web and task process."
            ),
            id="portal.E001",
        )
    ]
