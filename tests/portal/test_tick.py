"""``manage.py tick``: every app's periodic pass from one command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.management.commands.tick import periodic_tasks


def test_every_periodic_pass_is_listed():
    """In INSTALLED_APPS order, each once (apps add passes of their own: the known ones
    are checked, not the whole list)."""
    listed = periodic_tasks()
    assert len(listed) == len(set(listed))
    known = [
        "portal.tasks.tasks_recover_task",
        "portal.tasks.idempotency_keys_expire_task",
        "knowledgebase.tasks.kb_tick_task",
        "tickets.tasks.sla_tick_task",
        "catalogue.tasks.catalogue_tick_task",
        "community.tasks.digests_send_task",
        "insights.tasks.surveys_send_task",
        "insights.tasks.insights_rollup_task",
    ]
    assert [dotted for dotted in listed if dotted in known] == known


def test_tick_runs_each_pass(db):
    call_command("tick", stdout=(out := StringIO()))
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == periodic_tasks()
    kb = periodic_tasks().index("knowledgebase.tasks.kb_tick_task")
    assert "scheduled pages published" in lines[kb]  # the pass's own report


def test_tick_can_queue_them_for_the_worker(db):
    call_command("tick", "--enqueue", stdout=(out := StringIO()))
    assert out.getvalue().count(": queued (") == len(periodic_tasks())


def test_tick_refuses_a_negative_interval(db):
    with pytest.raises(CommandError):
        call_command("tick", "--every", "-2", stdout=StringIO())


def test_tick_does_not_queue_a_pass_that_is_still_waiting(db):
    from django.conf import settings
    from django.test import override_settings

    tasks = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }
    with override_settings(TASKS=tasks):
        call_command("tick", "--enqueue", stdout=StringIO())
        call_command("tick", "--enqueue", stdout=(out := StringIO()))
    assert out.getvalue().count(": already queued") == len(periodic_tasks())
    assert ": queued (" not in out.getvalue()


def test_a_per_app_periodic_command_waits_out_a_database_outage(monkeypatch):
    """``sla_tick --every`` and its siblings (``PeriodicCommand``) used to exit for good on
    the first connection error; like ``tick`` they now wait it out and carry on."""
    from django.db import OperationalError

    from portal.management import periodic

    class Stop(Exception):
        pass

    calls, waits = [], []

    class Flaky(periodic.PeriodicCommand):
        def run_once(self) -> str:
            calls.append(1)
            if len(calls) == 1:
                raise OperationalError("connection refused")
            return "pass done"

    def fake_wait_out(exc, *, what, backoff):
        waits.append((type(exc).__name__, what, backoff.next()))

    def stop_sleeping(seconds):
        raise Stop

    monkeypatch.setattr(periodic, "wait_out", fake_wait_out)
    monkeypatch.setattr(periodic.time, "sleep", stop_sleeping)
    out = StringIO()
    with pytest.raises(Stop):
        Flaky(stdout=out).handle(enqueue=False, every=60)
    assert len(calls) == 2 and waits[0][0] == "OperationalError"
    assert "pass done" in out.getvalue()
