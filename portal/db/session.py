"""Per-connection session settings, set for a block and reset after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection


@contextmanager
def quick_commits() -> Iterator[None]:
    """On PostgreSQL, commits that do not wait for the disk while a batch marks its emails one
    by one (``synchronous_commit = off`` for this connection, reset afterwards): a commit
    costs ~0.2 ms instead of a disk flush (~7 ms measured here). A worker crash loses
    nothing; only a crash of the database server may forget the last second or so of marks.
    Elsewhere a no-op.

    Benchmark: ``bench/outage_fanout.py`` (100,000 emails, each marked sent in its own
    commit: keeps a batch near the mail backend's own speed)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:  # the connection is gone: the setting went with it
            pass


@contextmanager
def postgresql_settings(**values: str) -> Iterator[bool]:
    """On PostgreSQL, session settings (``jit="off"``, ``work_mem="64MB"``) for the block,
    reset afterwards; yields whether they were set (elsewhere, or inside a failed
    transaction, a no-op that yields False).

    Benchmarks: ``bench/metrics.py`` (the metric engine's one-off statements: JIT compiling
    took 2.8 s of a 5 s statement; sorts and hashes spilled to disk with the default
    ``work_mem``) and the CLV fit in the same benchmark (the per-customer summary)."""
    names = list(values)
    if not all(name.isidentifier() for name in names):
        raise ValueError(f"not setting names: {names!r}")
    if connection.vendor != "postgresql" or connection.needs_rollback:
        yield False
        return
    with connection.cursor() as cursor:
        for name, value in values.items():
            cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
    try:
        yield True
    finally:
        if not connection.needs_rollback:  # a failed transaction refuses every statement
            try:
                with connection.cursor() as cursor:
                    for name in names:
                        cursor.execute(f"RESET {name}")
            except DatabaseError:  # the connection is gone: the settings went with it
                pass
