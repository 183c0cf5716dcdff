"""A migrated test database, built once and copied for every test process.

Migrating the test database costs about 18 s of CPU on SQLite and more on PostgreSQL (255
migrations, Wagtail's among them), and ``make test`` starts several processes that each need
one: a pytest-xdist worker per CPU, then the process that runs the serial tests. So the first
process to need it migrates a *template* under a file lock; every process (that one included)
then copies the template, which takes well under a second:

- SQLite: the template is a file under ``var/test-db/``; each process restores it into its
  own in-memory database with SQLite's online backup API (the same in-memory database Django's
  test runner would have made, so threads of a live server share it as usual).
- PostgreSQL: the template is a database ``test_<name>_tpl_<key>``; each process creates its
  own ``test_<name>[_gwN]`` with ``CREATE DATABASE ... TEMPLATE``.

The template's key hashes everything a migration run depends on: the project's migration
files, the locked third-party versions (``uv.lock``), the installed apps and the database
engine. A changed migration makes a new key; templates of other keys are removed when a new
one is built. ``--create-db`` rebuilds the template; ``--reuse-db`` keeps pytest-django's own
behaviour (no template).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "var" / "test-db"


def template_key(vendor: str) -> str:
    digest = hashlib.sha256()
    digest.update(vendor.encode())
    digest.update(repr(settings.INSTALLED_APPS).encode())
    for name in ("uv.lock",):
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@contextmanager
def _locked(name: str) -> Iterator[None]:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _migrate_into(connection, test_name: str) -> None:
    """Django's own test-database creation (migrations, post_migrate), into ``test_name``."""
    connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {})}
    connection.settings_dict["TEST"]["NAME"] = test_name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    connection.close()


def _sqlite_setup(connection, *, rebuild: bool) -> str:
    """Point ``connection`` at its own copy of the template; returns its former NAME."""
    vendor_key = template_key("sqlite")
    template = CACHE_DIR / f"sqlite-{vendor_key}.sqlite3"
    old_name = connection.settings_dict["NAME"]
    old_test = dict(connection.settings_dict.get("TEST") or {})
    with _locked("sqlite"):
        if rebuild or not template.exists():
            for stale in CACHE_DIR.glob("sqlite-*.sqlite3*"):
                stale.unlink()
            building = template.with_suffix(".building")
            building.unlink(missing_ok=True)
            _migrate_into(connection, str(building))
            with sqlite3.connect(building) as db:  # one self-contained file, no WAL beside it
                db.execute("PRAGMA journal_mode=DELETE")
            building.rename(template)
            connection.settings_dict["NAME"] = old_name
            settings.DATABASES[connection.alias]["NAME"] = old_name
        connection.settings_dict["TEST"] = old_test
        test_name = connection.creation._get_test_db_name()
        if not connection.creation.is_in_memory_db(test_name):
            raise RuntimeError(f"the SQLite test database is a file ({test_name}), not in memory")
        connection.close()
        settings.DATABASES[connection.alias]["NAME"] = test_name
        connection.settings_dict["NAME"] = test_name
        connection.ensure_connection()
        source = sqlite3.connect(template)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    return old_name


def _postgresql_setup(connection, *, rebuild: bool) -> str:
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation._get_test_db_name()
    prefix = f"test_{old_name}_tpl_"[:50]
    template = f"{prefix}{template_key('postgresql')}"
    old_test = dict(connection.settings_dict.get("TEST") or {})
    with _locked(f"pg-{old_name}"):
        with connection._nodb_cursor() as cursor:
            like = prefix.replace("_", "\\_") + "%"
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [like])
            existing = {row[0] for row in cursor.fetchall()}
        if rebuild or template not in existing:
            with connection._nodb_cursor() as cursor:
                for stale in existing:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{stale}"')
            _migrate_into(connection, template)
            connection.settings_dict["NAME"] = old_name
            settings.DATABASES[connection.alias]["NAME"] = old_name
            connection.settings_dict["TEST"] = old_test
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{test_name}"')
            cursor.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')
            # Tests throw their data away: a commit need not wait for the disk (the serial
            # tests commit for real, thousands of times).
            cursor.execute(f'ALTER DATABASE "{test_name}" SET synchronous_commit = off')
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    return old_name


def setup_from_template(*, rebuild: bool = False) -> list[tuple]:
    """Set up every test database from its template; returns what Django's
    ``teardown_databases`` takes."""
    old_config = []
    for alias in connections:
        connection = connections[alias]
        vendor = connection.vendor
        if vendor == "sqlite":
            old_name = _sqlite_setup(connection, rebuild=rebuild)
        elif vendor == "postgresql":
            old_name = _postgresql_setup(connection, rebuild=rebuild)
        else:
            raise RuntimeError(f"no test-database template for {vendor}")
        old_config.append((connection, old_name, True))  # True: drop the copy at the end
    return old_config


def enabled() -> bool:
    return os.environ.get("TEST_DB_TEMPLATE", "1") != "0"
