"""``intake_many``: many messages through the intake in chunks (one transaction to store a
chunk, one to process it, a savepoint per message), each message still exactly once: the same
outcomes as one by one, a failing message kept without stopping its chunk, and a crash in the
middle of a chunk losing nothing and taking nothing twice."""

from __future__ import annotations

from unittest import mock

import pytest

from portal.models import Interaction, InteractionKind
from tickets.models import InboundMessage, Message, Ticket
from tickets.services.intake import IntakeError, inbound_retry, intake_many, mail_intake

from .mail_helpers import compose

State = InboundMessage.State


def new_mail(n: int, sender: str = "alice@example.com") -> bytes:
    return compose(sender=sender, subject=f"Problem {n}", message_id=f"<many-{n}@client.org>")


def outcome(result) -> str:
    if isinstance(result, IntakeError):
        return f"error {result.status_code}"
    inbound = result.inbound
    return f"{inbound.state}/{inbound.reason}{' (again)' if result.duplicate else ''}"


def test_a_mix_has_the_outcomes_of_one_by_one(alice, bob, ada, queues):
    first = new_mail(1)
    mails = [
        first,
        compose(sender="bob@example.com", subject="Out", headers={"Auto-Submitted": "auto"}),
        b"",
        first,  # delivered twice in one chunk
        compose(sender="nobody@unknown.example.org", subject="Hello", message_id="<u1@x.org>"),
        compose(sender="ada@example.com", subject="Hi", message_id="<agent@x.org>"),
        b"Subject: no sender, no body",
    ]

    results = list(intake_many(mails, chunk=4))

    assert [outcome(result) for result in results] == [
        "accepted/new_ticket",
        "ignored/auto_reply",
        "error 400",
        "accepted/new_ticket (again)",
        "accepted/new_ticket",
        "refused/agent_new",
        "refused/no_sender",
    ]
    assert results[0].inbound.pk == results[3].inbound.pk
    assert Ticket.objects.count() == 2 and InboundMessage.objects.count() == 5
    ticket = results[0].inbound.ticket
    assert ticket.channel == "email" and ticket.customer == alice.customer
    assert results[0].inbound.ticket_message == ticket.messages.get()
    opens = Interaction.objects.filter(kind=InteractionKind.TICKET_OPEN, channel="email")
    assert opens.count() == 2

    again = list(intake_many(mails, chunk=3))  # a redelivery of everything: nothing new

    assert [outcome(result) for result in again][:2] == [
        "accepted/new_ticket (again)",
        "ignored/auto_reply (again)",
    ]
    assert Ticket.objects.count() == 2 and InboundMessage.objects.count() == 5


def test_replies_in_a_chunk_land_on_tickets_opened_in_an_earlier_one(alice, queues):
    [opened] = intake_many([new_mail(1)])
    ticket = opened.inbound.ticket
    replies = [
        compose(
            sender="alice@example.com",
            to=f"support+T-{ticket.pk}@example.com",
            subject="Re: Problem 1",
            body=f"Still broken ({n}).",
            message_id=f"<reply-{n}@client.org>",
        )
        for n in range(3)
    ]

    results = list(intake_many(replies, chunk=2))

    assert [outcome(result) for result in results] == ["accepted/reply"] * 3
    assert [m.body for m in ticket.messages.order_by("pk")][1:] == [
        f"Still broken ({n})." for n in range(3)
    ]


def test_a_flood_in_one_chunk_counts_like_one_by_one(settings, carol, queues):
    settings.EMAIL_INBOUND_FLOOD_PER_MINUTE = 3
    mails = [new_mail(n, sender="carol@example.com") for n in range(5)]

    reasons = [result.inbound.reason for result in intake_many(mails, chunk=10)]

    assert reasons == ["new_ticket"] * 3 + ["flood"] * 2


def test_a_flood_spread_over_chunks_counts_the_mail_stored_before_the_chunk(
    settings, carol, alice, queues
):
    settings.EMAIL_INBOUND_FLOOD_PER_MINUTE = 3
    mails = [new_mail(n, sender="carol@example.com") for n in range(5)]
    mails.insert(1, new_mail(50))  # alice's, in between: not carol's flood

    reasons = [result.inbound.reason for result in intake_many(mails, chunk=2)]

    assert reasons == ["new_ticket"] * 4 + ["flood"] * 2


def test_a_sender_in_other_letter_case_is_still_found_in_a_chunk(alice, queues):
    mails = [new_mail(60), new_mail(61, sender="Alice@Example.COM")]

    results = list(intake_many(mails, chunk=10))

    assert [r.inbound.reason for r in results] == ["new_ticket", "new_ticket"]
    assert {r.inbound.ticket.customer.user for r in results} == {alice}


def test_a_failing_message_is_kept_and_the_rest_of_its_chunk_goes_on(alice, root, queues):
    from tickets.services import intake

    real = intake._decide

    def decide(inbound, parsed, now, lookups):
        if parsed.subject == "Problem 2":
            raise RuntimeError("a bug")
        return real(inbound, parsed, now, lookups)

    with mock.patch.object(intake, "_decide", decide):
        results = list(intake_many([new_mail(n) for n in range(4)], chunk=4))

    assert [outcome(result) for result in results] == [
        "accepted/new_ticket",
        "accepted/new_ticket",
        "failed/error",
        "accepted/new_ticket",
    ]
    failed = results[2].inbound
    assert "RuntimeError: a bug" in failed.error and failed.ticket_id is None
    assert Ticket.objects.count() == 3  # nothing of the failed one was written

    retried = inbound_retry(inbound=failed, actor=root)

    assert (retried.state, retried.reason) == (State.ACCEPTED, "new_ticket")
    assert Ticket.objects.count() == 4


def test_a_crash_mid_chunk_loses_nothing_and_takes_nothing_twice(alice, queues):
    """The process dies (here: KeyboardInterrupt) while processing the second chunk: the first
    chunk is done, the second is stored but not processed (its transaction rolled back, no
    ticket half-written), the third was never read. Delivering everything again (the same
    mbox, the mailbox's messages not yet marked) processes each message exactly once."""
    from tickets.services import intake

    real = intake._decide
    calls = []

    def dies(inbound, parsed, now, lookups):
        calls.append(parsed.subject)
        if len(calls) == 4:  # the second message of the second chunk
            raise KeyboardInterrupt
        return real(inbound, parsed, now, lookups)

    mails = [new_mail(n) for n in range(6)]
    seen = []
    with mock.patch.object(intake, "_decide", dies), pytest.raises(KeyboardInterrupt):
        for result in intake_many(mails, chunk=2):
            seen.append(outcome(result))

    assert seen == ["accepted/new_ticket"] * 2  # the first chunk, committed
    stored = dict(InboundMessage.objects.values_list("subject", "state"))
    assert stored == {
        "Problem 0": State.ACCEPTED,
        "Problem 1": State.ACCEPTED,
        "Problem 2": State.RECEIVED,  # processed, then rolled back with its chunk
        "Problem 3": State.RECEIVED,
    }
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Problem 0", "Problem 1"]

    results = list(intake_many(mails, chunk=2))

    assert [outcome(result) for result in results] == [
        "accepted/new_ticket (again)",
        "accepted/new_ticket (again)",
        "accepted/new_ticket (again)",  # stored before, processed now
        "accepted/new_ticket (again)",
        "accepted/new_ticket",
        "accepted/new_ticket",
    ]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        f"Problem {n}" for n in range(6)
    ]
    assert Message.objects.count() == 6 and InboundMessage.objects.count() == 6
    assert not InboundMessage.objects.filter(state=State.RECEIVED).exists()
    assert Interaction.objects.filter(kind=InteractionKind.TICKET_OPEN).count() == 6
    # and one by one, a message left received by a crash is processed once too
    assert mail_intake(raw=mails[0]).duplicate


def test_a_crash_while_storing_a_chunk_stores_none_of_it(alice, queues):
    """The chunk's rows are one transaction: an error inserting them leaves none (their files
    are removed again), and the next delivery takes them all."""
    real = InboundMessage.objects.bulk_create

    with (
        mock.patch.object(
            type(InboundMessage.objects), "bulk_create", side_effect=KeyboardInterrupt
        ),
        pytest.raises(KeyboardInterrupt),
    ):
        list(intake_many([new_mail(n) for n in range(3)]))

    assert not InboundMessage.objects.exists() and not Ticket.objects.exists()
    assert real  # (the manager is whole again)
    results = list(intake_many([new_mail(n) for n in range(3)]))
    assert [outcome(result) for result in results] == ["accepted/new_ticket"] * 3


def test_the_chunk_size_is_positive(db):
    with pytest.raises(ValueError, match="chunk"):
        list(intake_many([b"x"], chunk=0))
