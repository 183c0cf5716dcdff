"""The intake's queries per message do not grow with the tables it reads (tickets, inbound
messages, customers): every look-up is by key or index, none walks the tickets or the mail
taken in before (bench/mail_intake.py measures the time; this holds the shape)."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Customer
from tickets.models import InboundMessage, Ticket
from tickets.services import ticket_reply
from tickets.services.intake import intake_many, mail_intake

from .mail_helpers import compose, sent_message_id

_ids = itertools.count()


@pytest.fixture
def alice_ticket(alice, ada, open_ticket, queues):
    ticket = open_ticket(alice, subject="Internet drops every evening")
    ticket_reply(ticket=ticket, author=ada, body="Could you restart the router?")
    return ticket


def grow(n: int) -> None:
    """``n`` more customers, each with a ticket and an inbound message."""
    now = timezone.now()
    start = Customer.objects.count()
    customers = Customer.objects.bulk_create(
        Customer(customer_ref=f"G{start + i}", email=f"g{start + i}@example.org", name="G")
        for i in range(n)
    )
    Ticket.objects.bulk_create(
        Ticket(subject="Old", customer=c, channel="email", created_at=now, updated_at=now)
        for c in customers
    )
    InboundMessage.objects.bulk_create(
        InboundMessage(
            dedup_key=f"mid:old-{c.pk}@x.org",
            message_id=f"old-{c.pk}@x.org",
            from_address=c.email,
            received_at=now,
            raw="inbound/old.eml",
        )
        for c in customers
    )


def mails(ticket) -> dict[str, bytes]:
    """One message of each kind, with fresh Message-IDs."""
    n = next(_ids)
    thread = sent_message_id(ticket)
    return {
        "new ticket": compose(
            sender="alice@example.com", subject=f"New {n}", message_id=f"<new-{n}@c.org>"
        ),
        "unknown sender": compose(
            sender=f"stranger{n}@unknown.org", subject="Hi", message_id=f"<u-{n}@c.org>"
        ),
        "reply by plus address": compose(
            sender="alice@example.com",
            to=f"support+T-{ticket.pk}@example.com",
            subject="Re: it",
            message_id=f"<plus-{n}@c.org>",
        ),
        "reply by In-Reply-To": compose(
            sender="alice@example.com",
            subject="Re: it",
            message_id=f"<irt-{n}@c.org>",
            headers={"In-Reply-To": f"<{thread}>", "References": f"<{thread}>"},
        ),
        "agent reply": compose(
            sender="ada@example.com",
            to=f"support+T-{ticket.pk}@example.com",
            subject="Re: it",
            message_id=f"<agent-{n}@c.org>",
        ),
        "auto-reply": compose(
            sender="bob@example.com",
            subject="Automatic reply: away",
            message_id=f"<auto-{n}@c.org>",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    }


def counts(ticket) -> dict[str, int]:
    found = {}
    for kind, raw in mails(ticket).items():
        with CaptureQueriesContext(connection) as queries:
            result = mail_intake(raw=raw)
        assert result.inbound.state in ("accepted", "ignored"), (kind, result.inbound.reason)
        found[kind] = len(queries)
    with CaptureQueriesContext(connection) as queries:  # a redelivery
        assert mail_intake(raw=raw).duplicate
    found["redelivery"] = len(queries)
    return found


def test_queries_per_message_do_not_grow_with_the_tables(alice, bob, ada, alice_ticket):
    counts(alice_ticket)  # warm up (content types, first notification rows)
    small = counts(alice_ticket)

    grow(300)
    large = counts(alice_ticket)

    assert large == small
    # measured on SQLite (transaction statements and savepoints count): 35-37 for a message
    # that writes on a ticket, 9 for an auto-reply, 1 for a redelivery
    assert small["redelivery"] == 1 and small["auto-reply"] <= 9, small
    assert max(small.values()) <= 40, small


def test_a_chunk_costs_the_same_queries_whatever_the_tables_hold(alice, bob, ada, alice_ticket):
    def chunk() -> int:
        raws = list(mails(alice_ticket).values()) * 1
        with CaptureQueriesContext(connection) as queries:
            results = list(intake_many(raws, chunk=len(raws)))
        assert all(r.inbound.state in ("accepted", "ignored") for r in results)
        return len(queries)

    chunk()  # warm up
    small = chunk()
    grow(300)

    assert chunk() == small
