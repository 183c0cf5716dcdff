"""Running a call from several threads at once, for the race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection, connections


def together(target: Callable[[], Any], n: int = 2, *, catching: tuple = ()) -> list:
    """On PostgreSQL, ``n`` threads (each with its own connection) released by a barrier
    call ``target``; their results (or the ``catching`` exceptions they raised) in the
    order they finished. SQLite serialises writers, so there the calls run one after the
    other."""
    if connection.vendor != "postgresql":
        return [_call(target, catching) for _ in range(n)]
    results, barrier = [], threading.Barrier(n)

    def worker():
        barrier.wait()
        try:
            results.append(_call(target, catching))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _call(target: Callable[[], Any], catching: tuple) -> Any:
    try:
        return target()
    except catching as exc:
        return exc
