"""portal.services.memo: look-ups shared inside a batch run, never outside one."""

from __future__ import annotations

from portal.services.memo import memoized, run_memo


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_outside_a_run_every_call_computes():
    calls, compute = counter()
    assert [memoized("k", compute) for _ in range(3)] == [1, 2, 3]
    assert len(calls) == 3


def test_inside_a_run_a_key_computes_once_and_the_run_forgets_it_after():
    calls, compute = counter()
    with run_memo():
        assert [memoized("k", compute) for _ in range(3)] == [1, 1, 1]
        assert memoized("other", compute) == 2
        with run_memo():  # a nested run shares the outer one
            assert memoized("k", compute) == 1
    assert memoized("k", compute) == 3
    assert len(calls) == 3
