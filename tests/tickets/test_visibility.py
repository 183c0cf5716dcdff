"""Who sees which ticket: ``Ticket.objects.visible_to`` (pages, attachments and the API use it)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from portal.models import Organisation
from tickets.models import Message, Ticket


def test_customer_sees_own_and_shared_organisation_tickets(alice, amy, bob, carol, open_ticket):
    alices = open_ticket(alice)
    amys = open_ticket(amy)
    bobs = open_ticket(bob)
    carols = open_ticket(carol)
    assert set(Ticket.objects.visible_to(alice)) == {alices, amys}  # Acme shares tickets
    assert set(Ticket.objects.visible_to(amy)) == {alices, amys}
    assert set(Ticket.objects.visible_to(bob)) == {bobs}
    assert set(Ticket.objects.visible_to(carol)) == {carols}


def test_without_sharing_members_see_only_their_own(alice, amy, open_ticket):
    Organisation.objects.filter(slug="acme").update(share_tickets=False)
    alices = open_ticket(alice)
    open_ticket(amy)
    alice.customer.organisation.refresh_from_db()
    assert list(Ticket.objects.visible_to(alice)) == [alices]


def test_agents_and_admins_see_everything_others_nothing(alice, bob, ada, root, mo, open_ticket):
    tickets = {open_ticket(alice), open_ticket(bob)}
    assert set(Ticket.objects.visible_to(ada)) == tickets
    assert set(Ticket.objects.visible_to(root)) == tickets
    assert not Ticket.objects.visible_to(mo).exists()  # a moderator has no customer record
    assert not Ticket.objects.visible_to(AnonymousUser()).exists()
    assert not Ticket.objects.visible_to(None).exists()


def test_inactive_user_sees_nothing(alice, open_ticket):
    open_ticket(alice)
    alice.is_active = False
    assert not Ticket.objects.visible_to(alice).exists()


def test_internal_notes_are_only_visible_to_agents(alice, ada, open_ticket):
    from tickets.services import ticket_note

    ticket = open_ticket(alice)
    note = ticket_note(ticket=ticket, author=ada, body="Customer is on the old router.")
    assert note not in Message.objects.visible_to(alice)
    assert note in Message.objects.visible_to(ada)
    assert Message.objects.visible_to(alice).count() == 1  # the description
