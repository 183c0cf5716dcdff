"""Agent actions: assign, claim, priority, tags, details, merge, bulk, canned replies."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from portal import roles
from portal.models import Interaction, InteractionKind
from tests.conftest import make_user
from tickets.models import CannedReply, Priority, SavedView, Status, Tag
from tickets.services import (
    TicketConflict,
    TicketError,
    canned_reply_render,
    saved_view_create,
    saved_view_delete,
    ticket_assign,
    ticket_claim,
    ticket_merge,
    ticket_priority_change,
    ticket_reply,
    ticket_tag,
    ticket_update,
    tickets_bulk_apply,
)

from .conftest import rome


@pytest.fixture
def grace(db):
    return make_user(
        "grace@example.com", full_name="Grace Hopper", groups=[roles.AGENTS], is_staff=True
    )


def test_assign_records_history_and_refuses_non_agents(alice, amy, ada, grace, open_ticket):
    ticket = open_ticket(alice)
    ticket = ticket_assign(ticket=ticket, assignee=grace, actor=ada)
    assert ticket.assignee == grace
    event = ticket.events.get(field="assignee")
    assert (event.old_value, event.new_value, event.actor) == ("", "Grace Hopper", ada)
    assert Interaction.objects.filter(kind=InteractionKind.TICKET_ASSIGN).count() == 1
    with pytest.raises(TicketError, match="only be assigned to agents"):
        ticket_assign(ticket=ticket, assignee=amy, actor=ada)
    with pytest.raises(PermissionDenied):
        ticket_assign(ticket=ticket, assignee=ada, actor=alice)
    ticket = ticket_assign(ticket=ticket, assignee=None, actor=ada)
    assert ticket.assignee is None


def test_claim_takes_an_unassigned_ticket_once(alice, ada, grace, open_ticket):
    ticket = open_ticket(alice)
    claimed = ticket_claim(ticket=ticket, agent=ada)
    assert claimed.assignee == ada
    assert claimed.status == Status.OPEN
    assert ticket_claim(ticket=ticket, agent=ada).assignee == ada  # again: a no-op
    with pytest.raises(TicketConflict, match="Ada Agent has already claimed"):
        ticket_claim(ticket=ticket, agent=grace)
    with pytest.raises(PermissionDenied):
        ticket_claim(ticket=ticket, agent=alice)
    assert Interaction.objects.filter(kind=InteractionKind.TICKET_CLAIM).count() == 1


def test_priority_change_moves_the_sla_targets(alice, ada, policies, open_ticket):
    ticket = open_ticket(alice, now=rome(2026, 3, 2, 10))
    assert ticket.first_response_due_at == rome(2026, 3, 2, 14)
    ticket = ticket_priority_change(
        ticket=ticket, priority=Priority.URGENT, actor=ada, now=rome(2026, 3, 2, 10, 5)
    )
    assert ticket.sla_policy == policies[Priority.URGENT]
    assert ticket.first_response_due_at == rome(2026, 3, 2, 11)
    assert ticket.events.get(field="priority").new_display == "Urgent"
    with pytest.raises(TicketError):
        ticket_priority_change(ticket=ticket, priority=9, actor=ada)


def test_tags_are_created_added_and_removed(alice, ada, open_ticket):
    ticket = open_ticket(alice)
    ticket_tag(ticket=ticket, actor=ada, add=["Router", "  wifi  ", "router"])
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["Router", "wifi"]
    ticket_tag(ticket=ticket, actor=ada, remove=["router"])
    assert list(ticket.tags.values_list("name", flat=True)) == ["wifi"]
    history = list(ticket.events.filter(field="tags").values_list("old_value", "new_value"))
    assert history == [("", "Router, wifi"), ("Router, wifi", "wifi")]
    with pytest.raises(TicketError):
        ticket_tag(ticket=ticket, actor=ada, add=["!!!"])
    with pytest.raises(TicketError):
        ticket_tag(ticket=ticket, actor=ada, add=["x" * 51])
    assert Tag.objects.count() == 2


def test_update_details_and_queue(alice, ada, queues, tv, open_ticket):
    ticket = open_ticket(alice)
    ticket = ticket_update(
        ticket=ticket, actor=ada, queue=queues["network"], product=tv, category="billing"
    )
    assert (ticket.queue, ticket.product, ticket.category) == (queues["network"], tv, "billing")
    assert set(ticket.events.values_list("field", flat=True)) >= {"queue", "product", "category"}
    with pytest.raises(TicketError):
        ticket_update(ticket=ticket, actor=ada, subject="  ")
    with pytest.raises(PermissionDenied):
        ticket_update(ticket=ticket, actor=alice, subject="Mine now")


def test_merge_moves_the_conversation_and_closes_the_duplicate(alice, amy, ada, open_ticket):
    original = open_ticket(alice, subject="No internet")
    duplicate = open_ticket(amy, subject="Internet down")  # same organisation
    ticket_tag(ticket=duplicate, actor=ada, add=["outage"])
    ticket_merge(source=duplicate, target=original, actor=ada)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    assert duplicate.status == Status.CLOSED
    bodies = list(original.messages.values_list("body", flat=True))
    assert "It drops every evening." in bodies[1]
    assert original.messages.filter(internal=True, author_role="system").exists()
    assert duplicate.messages.get().body.startswith("This request was merged into ticket T-")
    assert list(original.tags.values_list("name", flat=True)) == ["outage"]
    with pytest.raises(TicketConflict):
        ticket_merge(source=duplicate, target=original, actor=ada)
    with pytest.raises(TicketError, match="merged into another"):
        ticket_reply(ticket=duplicate, author=alice, body="hello")


def test_merge_refuses_other_customers_and_itself(alice, bob, ada, open_ticket):
    alices, bobs = open_ticket(alice), open_ticket(bob)
    with pytest.raises(TicketError, match="same customer"):
        ticket_merge(source=bobs, target=alices, actor=ada)
    with pytest.raises(TicketError, match="itself"):
        ticket_merge(source=alices, target=alices, actor=ada)


def test_bulk_applies_to_each_and_reports_failures(alice, ada, open_ticket):
    first, second = open_ticket(alice), open_ticket(alice)
    result = tickets_bulk_apply(tickets=[first, second], actor=ada, action="assign", value="me")
    assert len(result.done) == 2
    first.refresh_from_db()
    assert first.assignee == ada
    result = tickets_bulk_apply(tickets=[first], actor=ada, action="status", value="closed")
    assert result.done == [first]
    result = tickets_bulk_apply(
        tickets=[first, second], actor=ada, action="status", value="waiting_customer"
    )
    assert [t.pk for t, _message in result.failed] == [first.pk]  # closed cannot go there
    assert result.done == [second]
    result = tickets_bulk_apply(tickets=[second], actor=ada, action="priority", value="urgent")
    second.refresh_from_db()
    assert second.priority == Priority.URGENT
    tickets_bulk_apply(tickets=[second], actor=ada, action="tag", value="vip, billing")
    assert second.tags.count() == 2
    with pytest.raises(TicketError):
        tickets_bulk_apply(tickets=[second], actor=ada, action="explode", value="")
    with pytest.raises(TicketError):
        tickets_bulk_apply(tickets=[second], actor=ada, action="priority", value="extreme")
    with pytest.raises(TicketError):
        tickets_bulk_apply(tickets=[], actor=ada, action="tag", value="x")
    with pytest.raises(PermissionDenied):
        tickets_bulk_apply(tickets=[second], actor=alice, action="tag", value="x")


def test_bulk_merge_into_one(alice, ada, open_ticket):
    target, a, b = open_ticket(alice), open_ticket(alice), open_ticket(alice)
    result = tickets_bulk_apply(
        tickets=[target, a, b], actor=ada, action="merge", value=target.number
    )
    assert len(result.done) == 3
    assert set(target.merged_tickets.all()) == {a, b}


def test_saved_views_are_named_once_per_owner(ada, alice):
    view = saved_view_create(owner=ada, name="Urgent", query="priority=urgent")
    with pytest.raises(TicketError, match="already have"):
        saved_view_create(owner=ada, name="Urgent", query="")
    with pytest.raises(PermissionDenied):
        saved_view_create(owner=alice, name="Mine", query="")
    with pytest.raises(PermissionDenied):
        saved_view_delete(view=view, actor=alice)
    saved_view_delete(view=view, actor=ada)
    assert not SavedView.objects.exists()


def test_canned_replies_fill_placeholders_without_evaluating_anything(alice, ada, open_ticket):
    ticket = open_ticket(alice, subject="Router [broken]")
    reply = CannedReply.objects.create(
        title="Hello",
        body=(
            "Hi {{ customer.first_name }}, about {{ticket.number}} ({{ ticket.subject }}) "
            "from {{ organisation.name }}: {{ agent.name }} here. "
            "{{ settings.SECRET_KEY }} {% debug %} {{ customer.user.password }}"
        ),
    )
    text = canned_reply_render(reply=reply, ticket=ticket, agent=ada)
    assert text.startswith(f"Hi Alice, about T\\-{ticket.pk} (Router \\[broken\\]) from Acme")
    assert "Ada Agent here" in text
    assert "{{ settings.SECRET_KEY }} {% debug %} {{ customer.user.password }}" in text
