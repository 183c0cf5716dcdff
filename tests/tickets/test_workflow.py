"""The ticket life cycle through the services: open, reply, note, status, close, reopen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from portal.models import Interaction, InteractionKind
from tickets.models import Message, Priority, Status, Ticket, TicketEvent
from tickets.services import (
    TicketError,
    ticket_close,
    ticket_note,
    ticket_open,
    ticket_reopen,
    ticket_reply,
    ticket_status_change,
)

from .conftest import rome


def kinds(ticket) -> list[str]:
    return list(
        Interaction.objects.filter(target_id=str(ticket.pk))
        .order_by("pk")
        .values_list("kind", flat=True)
    )


# --- opening -----------------------------------------------------------------------------------
def test_open_routes_by_product_records_and_starts_the_sla(alice, fibre, queues, policies):
    ticket = ticket_open(
        customer=alice.customer,
        opened_by=alice,
        subject="  Internet drops  ",
        body="Every **evening** <script>alert(1)</script>",
        product=fibre,
        now=rome(2026, 3, 2, 10, 0),  # a Monday
    )
    assert ticket.subject == "Internet drops"
    assert ticket.status == Status.NEW
    assert ticket.queue == queues["network"]
    assert ticket.organisation == alice.customer.organisation
    assert ticket.priority == Priority.NORMAL
    assert ticket.sla_policy == policies[Priority.NORMAL]
    assert ticket.first_response_due_at == rome(2026, 3, 2, 14, 0)
    assert ticket.resolution_due_at == rome(2026, 3, 4, 10, 0)  # 16 business hours
    message = ticket.messages.get()
    assert message.author == alice and message.author_role == Message.Author.CUSTOMER
    assert "<strong>evening</strong>" in message.body_html
    assert "<script" not in message.body_html
    assert kinds(ticket) == [InteractionKind.TICKET_OPEN]
    assert TicketEvent.objects.get(ticket=ticket).kind == TicketEvent.Kind.CREATED


def test_unknown_product_goes_to_the_default_queue(alice, tv, queues, open_ticket):
    assert open_ticket(alice, product=tv).queue == queues["general"]


def test_a_named_queue_wins_over_the_product_queue(alice, fibre, queues):
    """Callers that know better (a catalogue item's queue) route the ticket themselves."""
    ticket = ticket_open(
        customer=alice.customer,
        opened_by=alice,
        subject="Cancel my line",
        body="Please.",
        product=fibre,
        queue=queues["general"],
    )
    assert ticket.queue == queues["general"]


def test_impact_on_everyone_makes_it_high_priority(alice, open_ticket):
    assert open_ticket(alice, impact="all").priority == Priority.HIGH
    assert open_ticket(alice, category="feedback").priority == Priority.LOW


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subject", "   ", "subject cannot be empty"),
        ("subject", "x" * 201, "longer than 200"),
        ("body", "", "description cannot be empty"),
        ("body", "x" * 20_001, "longer than 20000"),
        ("category", "nonsense", "category"),
        ("impact", "nonsense", "affected"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(alice, field, value, message):
    data = {"subject": "Help", "body": "Please", field: value}
    with pytest.raises(TicketError, match=message):
        ticket_open(customer=alice.customer, opened_by=alice, **data)
    assert not Ticket.objects.exists()
    assert not Interaction.objects.exists()


def test_customers_cannot_open_for_others_or_set_the_priority(alice, bob):
    with pytest.raises(PermissionDenied):
        ticket_open(customer=bob.customer, opened_by=alice, subject="x", body="y")
    with pytest.raises(PermissionDenied):
        ticket_open(customer=alice.customer, opened_by=alice, subject="x", body="y", priority=4)
    assert not Ticket.objects.exists()


def test_agents_open_on_behalf_with_a_priority(alice, ada):
    ticket = ticket_open(
        customer=alice.customer,
        opened_by=ada,
        subject="Called about billing",
        body="Double charge",
        priority=Priority.URGENT,
        channel="phone",
    )
    assert ticket.priority == Priority.URGENT
    assert ticket.opened_by == ada
    assert Interaction.objects.get(kind=InteractionKind.TICKET_OPEN).channel == "phone"


# --- replies and notes ---------------------------------------------------------------------------
def test_first_agent_reply_is_the_first_response(alice, ada, policies, open_ticket):
    ticket = open_ticket(alice, now=rome(2026, 3, 2, 10, 0))
    message = ticket_reply(
        ticket=ticket, author=ada, body="Have you tried turning it off?", now=rome(2026, 3, 2, 11)
    )
    ticket.refresh_from_db()
    assert message.author_role == Message.Author.AGENT and not message.internal
    assert ticket.first_response_at == rome(2026, 3, 2, 11)
    assert ticket.status == Status.OPEN  # new -> open on the first reply
    assert ticket.sla_due_at == ticket.resolution_due_at  # the next target
    reply = Interaction.objects.get(kind=InteractionKind.TICKET_REPLY)
    assert reply.metadata["first_response"] is True
    assert reply.metadata["first_response_seconds"] == 3600
    assert reply.metadata["first_response_business_seconds"] == 3600
    assert reply.metadata["sla_met"] is True
    ticket_reply(ticket=ticket, author=ada, body="Any news?", now=rome(2026, 3, 2, 12))
    second = Interaction.objects.filter(kind=InteractionKind.TICKET_REPLY).latest("pk")
    assert "first_response" not in second.metadata


def test_waiting_on_customer_ends_when_the_customer_replies(alice, ada, policies, open_ticket):
    ticket = open_ticket(alice, now=rome(2026, 3, 2, 10))
    ticket_reply(
        ticket=ticket,
        author=ada,
        body="Which router model?",
        status_after=Status.WAITING_CUSTOMER,
        now=rome(2026, 3, 2, 11),
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER
    assert ticket.sla_paused_at == rome(2026, 3, 2, 11)
    assert ticket.sla_state() == "paused"
    ticket_reply(ticket=ticket, author=alice, body="FritzBox 7590", now=rome(2026, 3, 3, 11))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.sla_paused_at is None
    assert ticket.sla_paused_seconds == 8 * 3600  # one business day paused
    # resolution (16h from Monday 10:00 = Wednesday 10:00) moves by the 8 paused hours
    assert ticket.resolution_due_at == rome(2026, 3, 5, 10)


def test_notes_are_internal_and_agents_only(alice, ada, open_ticket):
    ticket = open_ticket(alice)
    note = ticket_note(ticket=ticket, author=ada, body="VIP customer")
    assert note.internal
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # a note is not a response
    with pytest.raises(PermissionDenied):
        ticket_note(ticket=ticket, author=alice, body="sneaky")
    assert kinds(ticket)[-1] == InteractionKind.TICKET_NOTE


def test_customers_cannot_reply_to_tickets_they_cannot_see(alice, bob, open_ticket):
    ticket = open_ticket(alice)
    with pytest.raises(PermissionDenied):
        ticket_reply(ticket=ticket, author=bob, body="hi")
    with pytest.raises(PermissionDenied):
        ticket_reply(ticket=ticket, author=alice, body="hi", status_after=Status.RESOLVED)
    assert ticket.messages.count() == 1


def test_same_organisation_member_may_reply_when_shared(alice, amy, open_ticket):
    ticket = open_ticket(alice)
    ticket_reply(ticket=ticket, author=amy, body="Same here")
    assert ticket.messages.count() == 2


# --- status machine -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([Status.OPEN, Status.WAITING_THIRD_PARTY, Status.RESOLVED, Status.CLOSED], True),
        ([Status.RESOLVED, Status.WAITING_CUSTOMER], False),
        ([Status.CLOSED, Status.RESOLVED], False),
        ([Status.WAITING_CUSTOMER, Status.NEW], False),
    ],
)
def test_the_state_machine(alice, ada, open_ticket, path, allowed):
    ticket = open_ticket(alice)
    *ok, last = path
    for status in ok:
        ticket = ticket_status_change(ticket=ticket, status=status, actor=ada)
    if allowed:
        ticket = ticket_status_change(ticket=ticket, status=last, actor=ada)
        assert ticket.status == last
    else:
        with pytest.raises(TicketError, match="cannot go from"):
            ticket_status_change(ticket=ticket, status=last, actor=ada)


def test_only_agents_change_the_status(alice, open_ticket):
    ticket = open_ticket(alice)
    with pytest.raises(PermissionDenied):
        ticket_status_change(ticket=ticket, status=Status.RESOLVED, actor=alice)


def test_unknown_status_is_an_error(alice, ada, open_ticket):
    with pytest.raises(TicketError, match="Unknown status"):
        ticket_status_change(ticket=open_ticket(alice), status="done", actor=ada)


def test_resolving_records_durations_and_first_contact_resolution(
    alice, ada, policies, open_ticket
):
    ticket = open_ticket(alice, now=rome(2026, 3, 2, 10))
    ticket_reply(
        ticket=ticket,
        author=ada,
        body="Fixed",
        status_after=Status.RESOLVED,
        now=rome(2026, 3, 2, 12),
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.resolved_at == rome(2026, 3, 2, 12)
    assert ticket.sla_due_at is None
    resolved = Interaction.objects.get(kind=InteractionKind.TICKET_RESOLVED)
    assert resolved.value == 7200
    assert resolved.metadata["resolution_business_seconds"] == 7200
    assert resolved.metadata["first_contact_resolution"] is True
    assert resolved.metadata["sla_met"] is True
    history = list(ticket.events.filter(field="status").values_list("old_value", "new_value"))
    assert history == [("new", "resolved")]


def test_customer_closes_and_reopens_within_the_window(alice, ada, open_ticket, settings):
    settings.TICKETS_REOPEN_WINDOW = timedelta(days=3)
    ticket = open_ticket(alice)
    now = timezone.now()
    ticket = ticket_close(ticket=ticket, actor=alice, now=now)
    assert ticket.status == Status.CLOSED and ticket.closed_at == now
    ticket = ticket_reopen(ticket=ticket, actor=alice, now=now + timedelta(days=2))
    assert ticket.status == Status.OPEN
    assert ticket.reopened_count == 1
    assert ticket.resolved_at is None and ticket.closed_at is None
    ticket = ticket_status_change(ticket=ticket, status=Status.RESOLVED, actor=ada, now=now)
    with pytest.raises(TicketError, match="no longer be reopened"):
        ticket_reopen(ticket=ticket, actor=alice, now=now + timedelta(days=4))
    # agents may reopen any time
    ticket = ticket_reopen(ticket=ticket, actor=ada, now=now + timedelta(days=30))
    assert ticket.status == Status.OPEN
    assert InteractionKind.TICKET_REOPENED in kinds(ticket)


def test_customer_reply_reopens_a_resolved_ticket_within_the_window(alice, ada, open_ticket):
    ticket = open_ticket(alice)
    ticket_status_change(ticket=ticket, status=Status.RESOLVED, actor=ada)
    ticket_reply(ticket=ticket, author=alice, body="Still broken")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.reopened_count == 1


def test_customer_reply_after_the_window_is_refused(alice, ada, open_ticket, settings):
    ticket = open_ticket(alice)
    ticket_status_change(ticket=ticket, status=Status.RESOLVED, actor=ada)
    later = timezone.now() + settings.TICKETS_REOPEN_WINDOW + timedelta(minutes=1)
    with pytest.raises(TicketError, match="open a new ticket"):
        ticket_reply(ticket=ticket, author=alice, body="Hello?", now=later)
    assert ticket.messages.count() == 1


def test_reopening_an_active_ticket_is_an_error(alice, open_ticket):
    with pytest.raises(TicketError, match="Only resolved or closed"):
        ticket_reopen(ticket=open_ticket(alice), actor=alice)


def test_other_customers_cannot_close(alice, bob, open_ticket):
    with pytest.raises(PermissionDenied):
        ticket_close(ticket=open_ticket(alice), actor=bob)
