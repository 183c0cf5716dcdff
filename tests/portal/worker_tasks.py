"""Test-only tasks for tests/portal/test_worker.py (run by real worker subprocesses)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.tasks import task


@task
def marker_task(path: str, sleep: float = 0.0) -> int:
    """Append "start <pid>" to ``path``; on the first run only, sleep ``sleep`` seconds (the
    window in which the test kills the worker); then append "done <pid>". A second run is
    harmless: it only adds lines, which is what the test counts."""
    marker = Path(path)
    first = not marker.exists()
    with marker.open("a") as out:
        out.write(f"start {os.getpid()}\n")
    if first and sleep:
        time.sleep(sleep)
    with marker.open("a") as out:
        out.write(f"done {os.getpid()}\n")
    return os.getpid()
