"""Two agents claim the same ticket at once: exactly one owner (DESIGN.md reliability rule).

On PostgreSQL the claims run in real threads, each on its own connection, released together
by a barrier; the conditional UPDATE decides. SQLite serialises writers, so there the test
runs the same claims one after the other (a weaker check, but the test never skips)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from portal import roles
from tests.conftest import make_customer, make_user
from tickets.models import Ticket
from tickets.services import TicketConflict, ticket_claim, ticket_open

pytestmark = pytest.mark.django_db(transaction=True)
AGENTS = 4


def _setup():
    customer_user = make_user("race@example.com", full_name="Race Customer")
    make_customer(customer_user, ref="C-RACE")
    agents = [
        make_user(
            f"agent{i}@example.com", full_name=f"Agent {i}", groups=[roles.AGENTS], is_staff=True
        )
        for i in range(AGENTS)
    ]
    ticket = ticket_open(
        customer=customer_user.customer, opened_by=customer_user, subject="Race", body="Go"
    )
    return ticket, agents


def _claim(ticket, agent, barrier, outcomes):
    try:
        barrier.wait(timeout=10)
        ticket_claim(ticket=ticket, agent=agent)
        outcomes.append(("won", agent.pk))
    except TicketConflict:
        outcomes.append(("lost", agent.pk))
    except Exception as exc:  # surfaced by the assertions below
        outcomes.append(("error", repr(exc)))
    finally:
        connections.close_all()


def test_concurrent_claims_give_exactly_one_owner():
    ticket, agents = _setup()
    outcomes: list[tuple[str, object]] = []
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(len(agents))
        threads = [
            threading.Thread(target=_claim, args=(ticket, agent, barrier, outcomes))
            for agent in agents
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        for agent in agents:
            _claim(ticket, agent, threading.Barrier(1), outcomes)
    winners = [who for result, who in outcomes if result == "won"]
    assert [result for result, _ in outcomes if result == "error"] == []
    assert len(outcomes) == AGENTS
    assert len(winners) == 1
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.assignee_id == winners[0]
    assert ticket.events.filter(field="assignee").count() == 1
