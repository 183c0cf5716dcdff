"""Sessions read from the shared cache, written to both (Django's ``cached_db``), except while
the cache is down.

A signed-in request then costs no database query for its session when Redis answers (issue
20). While Redis is down, ``portal.cache_backend.ResilientRedisCache`` answers from a
per-process stand-in, which could still hold a session that another process has ended (a
sign-out): sessions are then read from the database only, so a sign-out holds everywhere at
once, outage or not.
"""

from __future__ import annotations

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(CachedDBStore):
    def load(self):
        if getattr(self._cache, "degraded", False):
            return DBStore.load(self)
        return super().load()
