"""One cache for all processes (issue 19): the embedded default is shared like Redis.

The tests' own cache is per process (``LocMemCache``, settings.py: fast, exact query counts);
what production runs without ``REDIS_URL`` is proved here by other processes started with the
default settings (tests/portal/cache_process.py) on the test database: SQLite's lives in this
process's memory, so it is copied to a file first; PostgreSQL's is reached directly. The same
scenario against a process on a per-process cache shows what the test catches.

The database cache's own operations (``incr`` keeps the expiry, ``add`` over an expired entry)
are tested in this process on the migration's table.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core.cache import cache
from django.db import connection
from django.test.utils import override_settings

from portal.cache_backend import DATABASE_CACHE_TABLE
from tests.conftest import PASSWORD
from tests.portal.cache_process import TOTP_PERIOD

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "portal" / "cache_process.py"
DB_CACHE = {
    "default": {
        "BACKEND": "portal.cache_backend.SharedDatabaseCache",
        "LOCATION": DATABASE_CACHE_TABLE,
    }
}


def _database_url(tmp_path: Path) -> str:
    """A URL other processes can open onto this test's (committed) data."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"
    assert connection.vendor == "sqlite"
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return f"sqlite:///{path}"


def start_process(url: str, actions: list, *, per_process: bool = False) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "EMAIL_BACKEND": "locmem", "PYTHONUNBUFFERED": "1"}
    for name in ("REDIS_URL", "DEBUG", "PORTAL_VISITOR_CACHE", "CACHE_MAX_ENTRIES"):
        env.pop(name, None)
    flags = ["--per-process"] if per_process else []
    return subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(SCRIPT), *flags, json.dumps(actions)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def results_of(process: subprocess.Popen) -> dict:
    try:
        out, err = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def current_code(secret: str) -> str:
    """The TOTP code of the (hour-long) period the processes use; waits for the next period
    when this one ends too soon for every process to run inside it."""
    left = TOTP_PERIOD - time.time() % TOTP_PERIOD
    if left < 150:
        time.sleep(left + 1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


@pytest.mark.django_db(transaction=True)
def test_two_processes_with_the_default_settings_share_one_cache(tmp_path, alice, bob):
    secret = generate_totp_secret()
    TOTP.activate(alice, secret)
    code = current_code(secret)
    url = _database_url(tmp_path)
    wrong = ["login", bob.email, "not-the-password", None]

    first = results_of(
        start_process(
            url,
            [
                ["set", "shared", "from the first"],
                ["login", alice.email, PASSWORD, code],
                *[wrong] * 5,
                ["page", "/community/"],  # last: the entry lives 60 s
            ],
        )
    )
    assert first["backend"] == "portal.cache_backend.SharedDatabaseCache"
    assert first["results"][1]["signed_in"]  # password and TOTP code accepted
    assert not any(result["rate_limited"] for result in first["results"][2:7])
    assert first["results"][7] == "miss"

    steps = [
        ["page", "/community/"],
        ["get", "shared"],
        ["health"],
        ["login", alice.email, PASSWORD, code],  # the same code again
        ["login", bob.email, PASSWORD, None],  # the right password, after 5 failures elsewhere
    ]
    # The control, at the same time: the same steps on a per-process cache.
    second, alone = start_process(url, steps), start_process(url, steps, per_process=True)
    second, alone = results_of(second), results_of(alone)

    page, got, health, replay, bob_login = second["results"]
    assert page == "hit"  # the page the first process rendered
    assert got == "from the first"
    assert health == {"ok": True, "backend": "SharedDatabaseCache"}
    assert not replay["signed_in"]  # a TOTP code signs in once, whichever process sees it
    assert bob_login["rate_limited"] and not bob_login["signed_in"]  # login_failed: 5/5m/key

    page, got, _health, replay, bob_login = alone["results"]
    assert (page, got) == ("miss", None)
    assert replay["signed_in"]  # the replay the shared cache refuses
    assert bob_login["signed_in"] and not bob_login["rate_limited"]


def test_the_migration_made_the_cache_table(db):
    assert DATABASE_CACHE_TABLE in connection.introspection.table_names()


@pytest.fixture
def db_cache(db):
    with override_settings(CACHES=DB_CACHE):
        cache.clear()
        yield cache
        cache.clear()


def _expires(key: str):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT expires FROM {DATABASE_CACHE_TABLE} WHERE cache_key = %s",  # noqa: S608
            [cache.make_key(key)],
        )
        return cursor.fetchone()[0]


def test_incr_keeps_the_expiry_a_rate_limit_window_needs(db_cache):
    assert db_cache.add("hits", 1, 3600)
    expires = _expires("hits")
    assert db_cache.incr("hits") == 2
    assert db_cache.incr("hits", 5) == 7
    assert db_cache.decr("hits") == 6
    assert db_cache.get("hits") == 6
    # Django's own DatabaseCache.incr sets the default timeout (300 s) again.
    assert _expires("hits") == expires


def test_incr_of_a_missing_or_expired_key_is_a_value_error(db_cache):
    with pytest.raises(ValueError):
        db_cache.incr("nothing")
    db_cache.set("gone", 1, 0)  # timeout 0: expired at once
    with pytest.raises(ValueError):
        db_cache.incr("gone")


def test_add_succeeds_once_and_again_after_expiry(db_cache):
    assert db_cache.add("code", "y", 30)
    assert not db_cache.add("code", "y", 30)
    db_cache.set("code", "y", 0)  # expired
    assert db_cache.add("code", "z", 30)
    assert db_cache.get("code") == "z"
    assert not db_cache.add("code", "w", 30)
