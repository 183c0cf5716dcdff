"""Look-ups shared by the steps of one run: a batch asks the same questions many times.

A batch (a chunk of inbound email, say) opens ``run_memo()``; inside it, a look-up written
as ``memoized(key, compute)`` is computed once per key and reused by the rest of the run.
Outside a run, ``memoized`` simply computes: a request or a single service call always reads
the database. Use it only for what the run does not change itself and what may be a few
seconds old (configuration rows: SLA policies, a queue's team, a customer's loyalty tier), and
keep runs short (one transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_memo: ContextVar[dict | None] = ContextVar("run_memo", default=None)


@contextmanager
def run_memo() -> Iterator[None]:
    """Share ``memoized`` look-ups until the block ends (a run inside a run shares the outer
    one's)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoized[T](key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per ``key`` inside a ``run_memo()`` block; every time outside."""
    memo = _memo.get()
    if memo is None:
        return compute()
    try:
        return memo[key]
    except KeyError:
        memo[key] = value = compute()
        return value
