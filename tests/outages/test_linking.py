"""Tickets and incidents: suggestions on the desk's ticket page, linking, answering and
resolving linked tickets with the incident, proactive tickets for high-value customers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from outages import services
from outages.models import IncidentTicket
from outages.services import (
    high_value_customers,
    incident_proactive_tickets_open,
    incident_ticket_link,
    link_suggestions,
)
from portal.models import Purchase
from tickets.models import Message, Ticket
from tickets.services import ticket_open, ticket_status_change

from .desk_fixtures import *  # noqa: F403 - the fixtures
from .desk_fixtures import declare


def open_ticket(user, product, subject="No internet since this morning"):
    return ticket_open(
        customer=user.customer, subject=subject, body="Nothing works.", opened_by=user,
        product=product,
    )  # fmt: skip


@pytest.fixture
def published(subscribed):
    incident = declare(subscribed, starts_at=timezone.now() - timedelta(hours=1))
    services.incident_publish(incident=incident)
    return incident


def detail(incident) -> str:
    return f"/desk/incidents/{incident.pk}/"


def test_ticket_from_affected_customer_about_the_service_is_suggested(
    published, subscribed, tv, alice, bob, carol, ada, client_for
):
    ticket = open_ticket(alice, subscribed)
    assert link_suggestions(ticket) == [published]
    html = client_for(ada).get(ticket.get_desk_url()).content.decode()
    assert "Open incident affecting this customer" in html and published.title in html
    # not affected (other region), another service, or a draft: no suggestion
    assert link_suggestions(open_ticket(bob, subscribed)) == []
    assert link_suggestions(open_ticket(carol, tv)) == []
    draft = declare(subscribed, title="Draft incident")
    assert draft not in link_suggestions(open_ticket(alice, subscribed))


def test_link_from_the_ticket_page_then_agents_see_the_incident(
    published, subscribed, alice, ada, client_for
):
    ticket = open_ticket(alice, subscribed)
    client = client_for(ada)
    response = client.post(
        f"{detail(published)}tickets/", {"ticket": str(ticket.pk), "next": ticket.get_desk_url()}
    )
    assert response.status_code == 302 and response["Location"] == ticket.get_desk_url()
    link = IncidentTicket.objects.get()
    assert (link.ticket, link.linked_by, link.customer, link.proactive) == (
        ticket,
        ada,
        alice.customer,
        False,
    )
    html = client.get(ticket.get_desk_url()).content.decode()
    assert "Open incident affecting this customer" not in html
    assert ">linked</span>" in html and published.title in html
    assert ticket.number in client.get(detail(published)).content.decode()
    # linking again changes nothing; an off-site "next" is ignored
    again = client.post(
        f"{detail(published)}tickets/", {"ticket": ticket.number, "next": "https://evil.example/"}
    )
    assert again["Location"] == detail(published)
    assert IncidentTicket.objects.count() == 1


def test_link_errors_are_messages(published, ada, client_for):
    client = client_for(ada)
    for value, message in (
        ("T-99999", "There is no such ticket."),
        ("banana", "Type a ticket number such as T-123."),
    ):
        response = client.post(f"{detail(published)}tickets/", {"ticket": value})
        assert response.status_code == 400 and message in response.content.decode()
    assert not IncidentTicket.objects.exists()


def test_link_is_unique_per_incident_and_ticket(published, subscribed, alice, ada):
    ticket = open_ticket(alice, subscribed)
    incident_ticket_link(incident=published, ticket=ticket, by=ada)
    with pytest.raises(IntegrityError):
        IncidentTicket.objects.create(incident=published, ticket=ticket, customer=alice.customer)


def test_unlink(published, subscribed, alice, ada, client_for):
    ticket = open_ticket(alice, subscribed)
    incident_ticket_link(incident=published, ticket=ticket, by=ada)
    response = client_for(ada).post(f"{detail(published)}tickets/{ticket.pk}/unlink/")
    assert response.status_code == 302 and not IncidentTicket.objects.exists()


def test_update_replies_on_linked_tickets_and_resolution_resolves_them(
    published, subscribed, alice, amy, ada, client_for, django_capture_on_commit_callbacks
):
    first, second = open_ticket(alice, subscribed), open_ticket(amy, subscribed)
    closed = open_ticket(alice, subscribed, subject="Old problem")
    for ticket in (first, second, closed):
        incident_ticket_link(incident=published, ticket=ticket, by=ada)
    ticket_status_change(ticket=closed, status="closed", actor=ada)
    client = client_for(ada)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{detail(published)}updates/",
            {"status": "identified", "message": "A digger cut the cable.", "reply_linked": "on"},
        )
        client.post(
            f"{detail(published)}updates/",
            {"status": "monitoring", "message": "Internal only for the status page."},
        )
    replies = Message.objects.filter(author=ada, internal=False)
    assert sorted(replies.values_list("ticket", "body")) == [
        (first.pk, "A digger cut the cable."),
        (second.pk, "A digger cut the cable."),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{detail(published)}resolve/",
            {"message": "Repaired: service is back.", "resolve_linked": "on"},
            follow=True,
        )
    assert "Resolved 2 linked tickets." in response.content.decode()
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.status == "resolved"
        assert ticket.messages.filter(author=ada).last().body == "Repaired: service is back."
    closed.refresh_from_db()
    assert closed.status == "closed" and not closed.messages.filter(author=ada).exists()


def test_resolution_without_tickets_leaves_them(
    published, subscribed, alice, ada, client_for, django_capture_on_commit_callbacks
):
    ticket = open_ticket(alice, subscribed)
    incident_ticket_link(incident=published, ticket=ticket, by=ada)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(ada).post(f"{detail(published)}resolve/", {"message": "Fixed."})
    ticket.refresh_from_db()
    assert ticket.status != "resolved"


def test_proactive_tickets_for_top_customers_once(
    published, subscribed, alice, amy, ada, client_for, django_capture_on_commit_callbacks
):
    now = timezone.now()
    Purchase.objects.create(
        customer=amy.customer, ordered_at=now - timedelta(days=30), amount=Decimal("900"),
        order_ref="A-1",
    )  # fmt: skip
    Purchase.objects.create(
        customer=alice.customer,
        ordered_at=now - timedelta(days=400),
        amount=Decimal("5000"),
        order_ref="A-2",
    )  # fmt: skip  (too old to count)
    Purchase.objects.create(
        customer=alice.customer, ordered_at=now - timedelta(days=10), amount=Decimal("100"),
        order_ref="A-3",
    )  # fmt: skip
    assert list(high_value_customers(published, top=5)) == [amy.customer, alice.customer]
    client = client_for(ada)
    data = {"top": "1", "subject": "About the outage", "body": "We are on it, this is yours."}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{detail(published)}proactive/", data, follow=True)
    assert "1 proactive ticket opened." in response.content.decode()
    ticket = Ticket.objects.get(customer=amy.customer)
    assert ticket.subject == "About the outage" and ticket.product == subscribed
    assert ticket.messages.get(author_role="agent").body == data["body"]
    assert IncidentTicket.objects.get(ticket=ticket).proactive
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{detail(published)}proactive/", {**data, "top": "2"}, follow=True)
    assert "1 proactive ticket opened." in response.content.decode()  # only alice is new
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            incident_proactive_tickets_open(
                incident=published, top=2, subject="Again", body="Again", by=ada
            )
            == 0
        )
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    ("top", "message"),
    [("0", "greater than or equal to 1"), ("500", "less than or equal to 200"), ("x", "number")],
)
def test_proactive_form_errors(published, ada, client_for, top, message):
    response = client_for(ada).post(
        f"{detail(published)}proactive/", {"top": top, "subject": "s", "body": "b"}
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not Ticket.objects.exists()


def test_proactive_tickets_unique_per_incident_and_customer(published, subscribed, alice, ada):
    first = open_ticket(alice, subscribed)
    second = open_ticket(alice, subscribed, subject="Another")
    IncidentTicket.objects.create(
        incident=published, ticket=first, customer=alice.customer, proactive=True
    )
    with pytest.raises(IntegrityError):
        IncidentTicket.objects.create(
            incident=published, ticket=second, customer=alice.customer, proactive=True
        )
