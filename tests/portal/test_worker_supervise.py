"""`make run` restarts a background process that dies: the Makefile's ``supervise_sh`` loop,
run exactly as the recipe runs it (``sh -c "$supervise_sh" supervise CMD...``)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def supervise_script() -> str:
    makefile = (ROOT / "Makefile").read_text()
    body = re.search(r"^define supervise_sh\n(.*?)^endef$", makefile, re.S | re.M).group(1)
    return body.replace("$$", "$")  # make's escaping of the shell's $


def children(pid: int) -> list[int]:
    out = subprocess.run(  # noqa: S603 - fixed arguments
        ["/usr/bin/pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
    ).stdout
    return [int(line) for line in out.split()]


def wait_for_child(pid: int, *, other_than: int | None = None, timeout: float = 10) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [child for child in children(pid) if child != other_than]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError("the supervised command was not (re)started")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_child_is_started_again_and_stopped_with_its_supervisor(tmp_path):
    log = (tmp_path / "supervise.log").open("w")
    supervisor = subprocess.Popen(  # noqa: S603 - the Makefile's own script
        ["/bin/sh", "-c", supervise_script(), "supervise", "sleep", "300"], stderr=log
    )
    try:
        first = wait_for_child(supervisor.pid)
        os.kill(first, signal.SIGKILL)
        second = wait_for_child(supervisor.pid, other_than=first)
        assert second != first and alive(second)
        assert (
            "sleep 300 exited (137); starting it again in 2 s"
            in (tmp_path / "supervise.log").read_text()
        )

        supervisor.send_signal(signal.SIGTERM)  # what `make run` sends on Ctrl-C
        assert supervisor.wait(timeout=10) == 0
        time.sleep(0.2)
        assert not alive(second)  # the child is stopped with it, not orphaned
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
