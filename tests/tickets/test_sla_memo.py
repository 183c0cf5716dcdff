"""Inside a batch run (portal.services.memo) the SLA policy of a priority is read once."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.services.memo import run_memo
from tickets.models import Priority, Ticket
from tickets.services.sla import sla_policy_for


def test_sla_policy_is_read_once_per_run_for_tickets_of_one_priority(policies):
    tickets = [Ticket(priority=Priority.HIGH), Ticket(priority=Priority.HIGH)]
    with CaptureQueriesContext(connection) as outside:
        first = [sla_policy_for(ticket=t) for t in tickets]
    with run_memo(), CaptureQueriesContext(connection) as inside:
        second = [sla_policy_for(ticket=t) for t in tickets]
    assert first == second == [policies[Priority.HIGH]] * 2
    assert len(inside.captured_queries) == len(outside.captured_queries) // 2
