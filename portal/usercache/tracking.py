"""Which tables a request reads, and a new version for each table after every committed write.

``track`` is an execute wrapper (``connection.execute_wrappers``) installed on every
connection of every process (web, task workers, ``tick``, management commands: see
``PortalConfig.ready``), so no write can change a page without changing a version, whichever
code path made it: a service, the admin, Wagtail, a bulk update, a task.

- **Writes**: the tables an ``INSERT``, ``UPDATE``, ``DELETE`` or ``TRUNCATE`` names get a new
  random token in ``portal_tableversion``, once the write is committed: after the statement in
  autocommit mode, else by one ``on_commit`` callback per transaction (a rolled-back write
  changes nothing, so it bumps nothing). One statement bumps all the tables of a transaction.
  Tokens are random, not counters, so two writers can never put a version back to a value a
  cached page was stored under.
- **Reads**: while a ``Recorder`` is active in this thread (``recording()``: the signed-in page
  cache renders a page), the tables named after ``FROM`` or ``JOIN`` in each statement are
  collected, and so are the tables the request wrote.

Infrastructure tables are left out both ways (``IGNORED``): sessions (the session is in the
cache key), the cache's own table, the versions, task rows and worker heartbeats (written all
the time, shown on no cached page). Versions are tracked only while
``settings.PORTAL_SIGNED_IN_CACHE`` is on: switching it on (or off) in one process needs the
same in every process, which one settings module driven by the environment gives.

Parsing is by regular expression on the SQL Django generates: it may see a table that is not
there (a column after ``EXTRACT(... FROM``), which only costs a useless version; it cannot miss
a table a statement writes, because every write statement names its table after its verb.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError

logger = logging.getLogger("portal.usercache")

VERSIONS_TABLE = "portal_tableversion"
_WRITE = re.compile(
    r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?"
    r"|REPLACE\s+INTO)\s+(?:ONLY\s+)?\"?(\w+)\"?",
    re.IGNORECASE,
)
_CONFLICT = re.compile(r"\bON\s+CONFLICT\b.*", re.IGNORECASE | re.DOTALL)  # "DO UPDATE SET"
_READ = re.compile(r"\b(?:FROM|JOIN)\s+\"?(\w+)\"?", re.IGNORECASE)
_FIRST_WORD = re.compile(r"\s*\(*\s*(\w+)")
_SKIP = frozenset({"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "PRAGMA", "SET"})


def _ignored() -> frozenset[str]:
    from django.contrib.sessions.models import Session
    from django_tasks_db.models import DBTaskResult

    from portal.cache_backend import DATABASE_CACHE_TABLE
    from portal.models import WorkerHeartbeat

    return frozenset(
        {
            VERSIONS_TABLE,
            DATABASE_CACHE_TABLE,
            Session._meta.db_table,
            DBTaskResult._meta.db_table,
            WorkerHeartbeat._meta.db_table,
            "django_migrations",
        }
    )


IGNORED: frozenset[str] = frozenset()


@dataclass
class Recorder:
    """The tables one request read and wrote, and the cache entries it read with a
    fingerprint of each (``recording``)."""

    read: set[str] = field(default_factory=set)
    wrote: set[str] = field(default_factory=set)
    cached: dict[tuple[str, int | None], str] = field(default_factory=dict)
    fresh: dict[str, str] = field(default_factory=dict)


def fresh_on_hit(value: str, factory) -> None:
    """``value`` (a one-time token this render put in the page, e.g. a form's submission key)
    is replaced by a new ``factory()`` each time the page is served from the cache, so two
    tabs or two visits never submit the same one. ``factory``: a module-level function."""
    recorder = getattr(_local, "recorder", None)
    if recorder is not None:
        recorder.fresh[value] = f"{factory.__module__}.{factory.__qualname__}"


MISSING = object()  # a cache entry that was not there
#: Cache keys that are not page content: the sessions (the session is in the page's key).
_NOT_CONTENT = ("django.contrib.sessions.",)


def fingerprint(value) -> str:
    if value is MISSING:
        return "-"
    return hashlib.blake2b(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), digest_size=12).hexdigest()


def cache_read(key: str, version: int | None, value, default) -> None:
    """Record a cache read of the page being rendered, if any (``portal.cache_backend``)."""
    recorder = getattr(_local, "recorder", None)
    if recorder is None or key.startswith(_NOT_CONTENT):
        return
    recorder.cached.setdefault((key, version), fingerprint(MISSING if value is default else value))


def cached_unchanged(cached: dict[tuple[str, int | None], str]) -> bool:
    """The cache entries a page read still hold what they held then."""
    from django.core.cache import cache

    by_version: dict[int | None, list[str]] = {}
    for key, version in cached:
        by_version.setdefault(version, []).append(key)
    for version, keys in by_version.items():
        found = cache.get_many(keys, version=version)
        for key in keys:
            if fingerprint(found.get(key, MISSING)) != cached[(key, version)]:
                return False
    return True


_local = threading.local()


@contextmanager
def recording() -> Iterator[Recorder]:
    """Collect the tables this thread reads and writes meanwhile."""
    recorder = Recorder()
    previous = getattr(_local, "recorder", None)
    _local.recorder = recorder
    try:
        yield recorder
    finally:
        _local.recorder = previous


@contextmanager
def reads_ignored() -> Iterator[None]:
    """What this thread reads meanwhile is not recorded (its writes still are)."""
    recorder = getattr(_local, "recorder", None)
    if recorder is None:
        yield
        return
    read, cached = set(recorder.read), dict(recorder.cached)
    try:
        yield
    finally:
        recorder.read, recorder.cached = read, cached


def classify(sql: str) -> tuple[set[str], set[str]]:
    """(tables read, tables written) by one statement."""
    first = _FIRST_WORD.match(sql)
    verb = first.group(1).upper() if first else ""
    if verb in _SKIP:
        return set(), set()
    read = {name.lower() for name in _READ.findall(sql)} - IGNORED
    if verb == "SELECT" or verb == "EXPLAIN":
        return read, set()
    wrote = {name.lower() for name in _WRITE.findall(_CONFLICT.sub("", sql))} - IGNORED
    return read - wrote, wrote


class _Bump:
    """The on_commit callback of one transaction: bumps the tables it wrote."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.tables: set[str] = set()
        self.index = -1  # its place in connection.run_on_commit

    def __call__(self) -> None:
        bump(self.tables, using=self.alias)


def track(execute, sql, params, many, context):
    """The execute wrapper (see the module docs)."""
    if not settings.PORTAL_SIGNED_IN_CACHE or getattr(_local, "bumping", False):
        return execute(sql, params, many, context)
    read, wrote = classify(sql if isinstance(sql, str) else str(sql))
    recorder = getattr(_local, "recorder", None)
    if recorder is not None:
        recorder.read |= read
        recorder.wrote |= wrote
    result = execute(sql, params, many, context)
    if wrote:
        _after_commit(context["connection"], wrote)
    return result


def _after_commit(connection, tables: set[str]) -> None:
    if not connection.in_atomic_block:
        bump(tables, using=connection.alias)
        return
    pending = getattr(connection, "_usercache_bump", None)
    if pending is None or not _registered(connection, pending):
        # The first write of this transaction (or the savepoint that registered the callback
        # was rolled back, taking the callback with it).
        pending = _Bump(connection.alias)
        connection.on_commit(pending, robust=True)
        pending.index = len(connection.run_on_commit) - 1
        connection._usercache_bump = pending
    pending.tables |= tables


def _registered(connection, pending: _Bump) -> bool:
    """``pending`` is still among the transaction's on-commit callbacks. A savepoint rolled
    back removes the callbacks registered inside it; those before ``pending`` stay if it does,
    so its position tells (no scan of a long list at every write)."""
    callbacks = connection.run_on_commit
    return pending.index < len(callbacks) and callbacks[pending.index][1] is pending


def bump(tables: set[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """New tokens for ``tables``, in one statement (an upsert)."""
    from portal.models import TableVersion

    if not tables:
        return
    token = uuid.uuid4().hex
    _local.bumping = True
    try:
        TableVersion.objects.using(using).bulk_create(
            [TableVersion(name=name[:100], token=token) for name in sorted(tables)],
            update_conflicts=True,
            unique_fields=["name"],
            update_fields=["token"],
        )
    except DatabaseError as exc:
        # A database blip (cached pages then expire by their timeout), or a database not
        # migrated yet (no versions table: no page can have been cached either).
        _warn_once(f"could not change the page-cache versions of {sorted(tables)}: {exc}")
    finally:
        _local.bumping = False


_warned_at = 0.0


def _warn_once(message: str) -> None:
    """At most one warning a minute per process."""
    global _warned_at
    now = time.monotonic()
    if now - _warned_at > 60:
        _warned_at = now
        logger.warning(message)


def versions(tables: list[str] | None = None, *, using: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """The current token of each of ``tables`` (all tables when None); "" for a table never
    written since the versions began. One statement, written out (it runs on every hit)."""
    from django.db import connections

    connection = connections[using]
    table = connection.ops.quote_name(VERSIONS_TABLE)
    sql = f"SELECT name, token FROM {table}"  # noqa: S608 (a constant name)
    with connection.cursor() as cursor:
        if tables is None:
            cursor.execute(sql)
        elif tables:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(f"{sql} WHERE name IN ({marks})", list(tables))
        found = dict(cursor.fetchall()) if tables is None or tables else {}
    names = tables if tables is not None else found
    return {name: found.get(name, "") for name in names}


def install(connection, **kwargs) -> None:
    """Add ``track`` to a connection (``connection_created``; idempotent)."""
    global IGNORED
    if not IGNORED:
        IGNORED = _ignored()
    if connection.alias == DEFAULT_DB_ALIAS and track not in connection.execute_wrappers:
        connection.execute_wrappers.append(track)
