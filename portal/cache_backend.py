"""The two caches: Redis in production, the database when there is no Redis.

Both are shared by every process (web workers, task workers, ``tick``): MFA codes used once,
rate limits, the page cache and the dashboard warmed by a worker live there, so a per-process
cache (``LocMemCache``) is only for the tests, and ``check --deploy`` refuses it (portal/checks.py).

``SharedDatabaseCache`` (the embedded default, no ``REDIS_URL``) is Django's database cache in
the portal's own database (table ``portal_cache``, created by portal's migration 0011, so
``migrate`` is enough) with two operations made safe between processes: ``incr`` is one locked
read-modify-write that keeps the entry's expiry (Django's resets it to the default timeout, which
would shorten a rate limit's window), and ``add`` over an expired entry cannot succeed twice.

``ResilientRedisCache`` (``REDIS_URL`` set) is Django's Redis cache that survives a Redis
outage. Every use of the cache on the request path (the visitor page cache, rate limits of
allauth and of our own services, the counters and fragments the pages keep) goes through it, so
a Redis outage is handled once, here, and never turns into a 500:

- an operation that fails with a Redis error (refused, reset, timed out, loading, out of
  memory) is answered by a **process-local fallback** (a ``LocMemCache``) instead: reads miss
  or find what this process stored meanwhile, writes land there, ``add``/``incr`` keep working,
  so rate limits go on counting **per process** (a local limit, not the shared one);
- entries written to the fallback live at most ``FALLBACK_MAX_SECONDS``, so nothing a process
  cached during the outage outlives it by long;
- a **circuit breaker** keeps a dead Redis from costing a connect timeout per call: after a
  failure every call goes straight to the fallback for ``RETRY_SECONDS``, then one call tries
  Redis again (and closes the circuit if it answers);
- each change is logged once (logger ``portal.cache``): a WARNING when Redis becomes
  unavailable (with the error), an INFO when it is back; ``degraded`` tells callers that would
  rather not cache at all meanwhile (the visitor page cache serves pages uncached).

Redis commands are not retried by the client (the circuit breaker is the retry policy), and
the socket timeouts are short (``OPTIONS``: ``socket_connect_timeout``, ``socket_timeout``),
so a Redis that hangs costs at most one timeout per ``RETRY_SECONDS`` and process.
"""

from __future__ import annotations

import base64
import logging
import pickle
import threading
import time
from functools import partial

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now

logger = logging.getLogger("portal.cache")

RETRY_SECONDS = 5.0
FALLBACK_MAX_SECONDS = 60

#: The embedded cache's table (settings.CACHES without REDIS_URL; created by a migration).
DATABASE_CACHE_TABLE = "portal_cache"


class RecordedReads:
    """Reads made while a signed-in page renders are recorded with a fingerprint of what they
    found (``portal.usercache.tracking``): a page built from cached values (the outage banner,
    the desk counters, the spelling vocabulary's id) is served again only while those values
    are unchanged, as a page built from tables is only while their versions are."""

    def get(self, key, default=None, version=None):
        from portal.usercache import tracking

        value = super().get(key, default, version)
        tracking.cache_read(key, version, value, default)
        return value

    def get_many(self, keys, version=None):
        from portal.usercache import tracking

        keys = list(keys)
        found = super().get_many(keys, version)
        for key in keys:
            tracking.cache_read(key, version, found.get(key, tracking.MISSING), tracking.MISSING)
        return found


class LocalCache(RecordedReads, LocMemCache):
    """The tests' per-process cache, with recorded reads like the shared ones."""


class SharedDatabaseCache(RecordedReads, DatabaseCache):
    """Django's ``DatabaseCache`` whose ``incr`` and ``add`` hold between processes."""

    def _sql(self, write: bool):
        model = self.cache_model_class
        alias = router.db_for_write(model) if write else router.db_for_read(model)
        connection = connections[alias]
        return alias, connection, connection.ops.quote_name(self._table), connection.ops.quote_name

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's add overwrites an expired entry with an UPDATE, which two processes can both
        # do; deleting it first leaves the INSERT, which the primary key lets only one win.
        _alias, connection, table, qn = self._sql(write=True)
        expired_before = connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE {qn('cache_key')} = %s AND {qn('expires')} < %s",  # noqa: S608
                [self.make_and_validate_key(key, version=version), expired_before],
            )
        return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        alias, connection, table, qn = self._sql(write=True)
        cache_key = self.make_and_validate_key(key, version=version)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            # SQLite: the transaction is IMMEDIATE (settings), i.e. it holds the write lock.
            cursor.execute(
                f"SELECT {qn('value')}, {qn('expires')} FROM {table} "  # noqa: S608
                f"WHERE {qn('cache_key')} = %s{lock}",
                [cache_key],
            )
            row = cursor.fetchone()
            value = self._decode(connection, row[0]) if row else None
            if row is None or self._expired(connection, row[1]):
                raise ValueError(f"Key '{key}' not found")
            value += delta
            cursor.execute(
                f"UPDATE {table} SET {qn('value')} = %s WHERE {qn('cache_key')} = %s",  # noqa: S608
                [self._encode(value), cache_key],
            )
        return value

    def _encode(self, value) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    @staticmethod
    def _decode(connection, raw):
        raw = connection.ops.process_clob(raw)
        return pickle.loads(base64.b64decode(raw.encode(), validate=True))  # noqa: S301

    @staticmethod
    def _expired(connection, expires) -> bool:
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires < tz_now()


class _Circuit:
    """Whether Redis at one location is believed down (shared by the threads of a process)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open_until = 0.0  # monotonic time before which Redis is not tried
        self.down = False  # True from the first failure until Redis answers again


_circuits: dict[str, _Circuit] = {}
_circuits_lock = threading.Lock()


def _circuit_for(location: str) -> _Circuit:
    with _circuits_lock:
        return _circuits.setdefault(location, _Circuit())


class _NoRetryClient(RedisCacheClient):
    """Django's Redis client without redis-py's own retries (three, with back-off, by default):
    a failed command fails at once and the circuit breaker decides what happens next."""

    def __init__(self, servers, **options) -> None:
        super().__init__(servers, **options)
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self._client = partial(self._lib.Redis, retry=Retry(NoBackoff(), 0))


class _Fallback(LocMemCache):
    """The process-local stand-in; entries live at most ``FALLBACK_MAX_SECONDS``."""

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        seconds = super().get_backend_timeout(timeout)
        if seconds is None:
            return time.time() + FALLBACK_MAX_SECONDS
        return min(seconds, time.time() + FALLBACK_MAX_SECONDS)


class ResilientRedisCache(RedisCache):
    """``RedisCache`` that degrades to a process-local cache while Redis is unavailable
    (see the module's documentation)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _NoRetryClient
        location = server if isinstance(server, str) else ",".join(server)
        self._circuit = _circuit_for(location)
        # LocMemCache instances with the same name share their storage within a process.
        fallback_params = {
            key: value for key, value in params.items() if key not in ("OPTIONS", "LOCATION")
        }
        self._fallback = _Fallback(f"portal-cache-fallback:{location}", fallback_params)

    @property
    def degraded(self) -> bool:
        """True while Redis is believed unavailable (answers come from the fallback)."""
        return self._circuit.down

    def _run(self, name: str, *args, **kwargs):
        from redis.exceptions import RedisError

        circuit = self._circuit
        if circuit.down and time.monotonic() < circuit.open_until:
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except RedisError as exc:
            with circuit.lock:
                circuit.open_until = time.monotonic() + RETRY_SECONDS
                if not circuit.down:
                    circuit.down = True
                    logger.warning(
                        "Cache unavailable (%s: %s): serving without it, rate limits are "
                        "per process until it is back; trying again every %s s",
                        exc.__class__.__name__,
                        exc,
                        RETRY_SECONDS,
                    )
            return getattr(self._fallback, name)(*args, **kwargs)
        if circuit.down:
            with circuit.lock:
                if circuit.down:
                    circuit.down = False
                    logger.info("Cache available again")
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        from portal.usercache import tracking

        value = self._run("get", key, default, version)
        tracking.cache_read(key, version, value, default)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._run("delete", key, version)

    def get_many(self, keys, version=None):
        from portal.usercache import tracking

        keys = list(keys)
        found = self._run("get_many", keys, version)
        for key in keys:
            tracking.cache_read(key, version, found.get(key, tracking.MISSING), tracking.MISSING)
        return found

    def has_key(self, key, version=None):
        return self._run("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._run("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._run("delete_many", list(keys), version)

    def clear(self):
        return self._run("clear")
