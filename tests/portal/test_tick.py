"""``manage.py tick``: every app's periodic pass from one command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.management.commands.tick import periodic_tasks


def test_every_periodic_pass_is_listed():
    assert periodic_tasks() == [
        "knowledgebase.tasks.kb_tick_task",
        "tickets.tasks.sla_tick_task",
        "outages.autolink_tasks.incidents_auto_link_task",
        "catalogue.tasks.catalogue_tick_task",
        "community.tasks.digests_send_task",
        "insights.tasks.surveys_send_task",
        "insights.tasks.insights_rollup_task",
        "insights.followup_tasks.followups_task",
    ]


def test_tick_runs_each_pass(db):
    call_command("tick", stdout=(out := StringIO()))
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == periodic_tasks()
    assert "scheduled pages published" in lines[0]  # the pass's own report


def test_tick_can_queue_them_for_the_worker(db):
    call_command("tick", "--enqueue", stdout=(out := StringIO()))
    assert out.getvalue().count(": queued (") == len(periodic_tasks())


def test_tick_refuses_a_negative_interval(db):
    with pytest.raises(CommandError):
        call_command("tick", "--every", "-2", stdout=StringIO())
