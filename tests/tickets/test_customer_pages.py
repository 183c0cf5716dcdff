"""Customers' pages: list, new (with KB suggestions and deflection), detail, reply, close,
reopen, attachment downloads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from knowledgebase.models import KnowledgeBaseIndexPage, SuggestionView
from portal.models import Interaction, InteractionKind, Purchase, Subscription
from tests.knowledgebase.conftest import make_article, make_category
from tickets.models import Priority, Status, Ticket
from tickets.services import ticket_note, ticket_reply, ticket_status_change

from .conftest import PNG, png


def new_ticket_data(**extra):
    return {
        "subject": "Router keeps restarting",
        "category": "problem",
        "impact": "me",
        "description": "Since Monday the router restarts every hour.",
        **extra,
    }


@pytest.fixture
def kb_articles(db):
    index = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
    category = make_category(index, "Connectivity")
    return {
        "router": make_article(
            category,
            "Router keeps restarting",
            summary="Update the firmware and check the power supply.",
            paragraphs=("A router that restarts by itself usually needs new firmware.",),
        ),
        "internal": make_article(category, "Router restart escalation playbook", audience="agents"),
    }


# --- list ----------------------------------------------------------------------------------------
def test_list_shows_own_and_shared_tickets_only(client_for, alice, amy, bob, open_ticket):
    open_ticket(alice, subject="Alice's router")
    open_ticket(amy, subject="Amy's invoice")
    open_ticket(bob, subject="Bob's TV")
    html = client_for(alice).get(reverse("tickets:list")).content.decode()
    assert "Alice&#x27;s router" in html and "Amy&#x27;s invoice" in html
    assert "Bob" not in html
    html = client_for(alice).get(reverse("tickets:list") + "?mine=on").content.decode()
    assert "Amy&#x27;s invoice" not in html
    html = client_for(bob).get(reverse("tickets:list")).content.decode()
    assert "Bob&#x27;s TV" in html and "Alice" not in html


def test_list_filters_by_state(client_for, alice, ada, open_ticket):
    done = open_ticket(alice, subject="Solved thing")
    open_ticket(alice, subject="Pending thing")
    ticket_status_change(ticket=done, status=Status.RESOLVED, actor=ada)
    html = client_for(alice).get(reverse("tickets:list") + "?state=done").content.decode()
    assert "Solved thing" in html and "Pending thing" not in html
    html = client_for(alice).get(reverse("tickets:list") + "?state=bogus").content.decode()
    assert "Solved thing" in html and "Pending thing" in html  # an unknown filter shows all


def test_list_query_count_does_not_grow(client_for, alice, open_ticket):
    client = client_for(alice)
    open_ticket(alice)
    client.get(reverse("tickets:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("tickets:list"))
    for _ in range(15):
        open_ticket(alice)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("tickets:list"))
    assert len(many) == len(few)


# --- new ---------------------------------------------------------------------------------------
def test_new_ticket_form_offers_only_my_products(client_for, alice, bob, fibre, tv):
    Subscription.objects.create(customer=alice.customer, product=fibre, since=timezone.now())
    Purchase.objects.create(
        customer=bob.customer,
        product=tv,
        ordered_at=timezone.now(),
        amount="9.00",
        order_ref="B-1",
    )
    html = client_for(alice).get(reverse("tickets:new")).content.decode()
    assert "Fibre 1000" in html and "TV Premium" not in html


def test_opening_a_ticket(client_for, alice, fibre, queues):
    Subscription.objects.create(customer=alice.customer, product=fibre, since=timezone.now())
    data = new_ticket_data(product=fibre.pk, attachments=[png()])
    response = client_for(alice).post(reverse("tickets:new"), data)
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.pk])
    assert ticket.customer == alice.customer and ticket.product == fibre
    assert ticket.queue == queues["network"]
    assert ticket.attachments.count() == 1


def test_customers_cannot_set_staff_fields(client_for, alice, ada):
    data = new_ticket_data(
        priority="4", status="resolved", assignee=str(ada.pk), queue="1", internal="on"
    )
    client_for(alice).post(reverse("tickets:new"), data)
    ticket = Ticket.objects.get()
    assert ticket.priority == Priority.NORMAL
    assert ticket.status == Status.NEW
    assert ticket.assignee is None
    assert not ticket.messages.filter(internal=True).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (new_ticket_data(subject=""), "subject"),
        (new_ticket_data(subject="   "), "subject"),
        (new_ticket_data(description=""), "description"),
        (new_ticket_data(category="nope"), "category"),
        (new_ticket_data(impact="galaxy"), "impact"),
        (new_ticket_data(product="999999"), "product"),
        (new_ticket_data(subject="x" * 201), "subject"),
    ],
)
def test_bad_input_is_a_400_with_the_error_and_nothing_written(client_for, alice, data, field):
    response = client_for(alice).post(reverse("tickets:new"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Ticket.objects.exists()
    assert not Interaction.objects.filter(kind=InteractionKind.TICKET_OPEN).exists()


def test_a_bad_attachment_is_a_form_error(client_for, alice):
    data = new_ticket_data(attachments=[png("virus.pdf")])
    response = client_for(alice).post(reverse("tickets:new"), data)
    assert response.status_code == 400
    assert "not really a .pdf" in response.content.decode()
    assert not Ticket.objects.exists()


def test_staff_without_customer_record_cannot_open(client_for, mo):
    assert client_for(mo).get(reverse("tickets:new")).status_code == 403


# --- suggestions and deflection -------------------------------------------------------------------
def test_suggestions_while_typing_only_show_readable_articles(client_for, alice, kb_articles):
    response = client_for(alice).get(
        reverse("tickets:suggest") + "?subject=router restarting", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "Router keeps restarting" in html
    assert "escalation playbook" not in html  # agents-only article
    assert "?via=suggest" in html


def test_suggestions_without_javascript(client_for, alice, kb_articles):
    html = client_for(alice).get(reverse("tickets:new") + "?subject=router").content.decode()
    assert "Router keeps restarting" in html
    assert 'value="router"' in html  # the subject is kept


def test_filing_the_ticket_settles_pending_suggestion_views(client_for, alice, kb_articles):
    client = client_for(alice)
    client.get(kb_articles["router"].url + "?via=suggest")
    assert SuggestionView.objects.get().status == "pending"
    client.post(reverse("tickets:new"), new_ticket_data())
    assert SuggestionView.objects.get().status == "ticket"
    assert not Interaction.objects.filter(kind=InteractionKind.DEFLECTION).exists()


def test_this_answers_it_records_a_deflection(client_for, alice, kb_articles):
    client = client_for(alice)
    article = kb_articles["router"]
    response = client.post(reverse("tickets:deflect"), {"article": article.pk})
    assert response.status_code == 302
    assert Interaction.objects.filter(kind=InteractionKind.DEFLECTION).count() == 1
    client.post(reverse("tickets:deflect"), {"article": article.pk})  # twice is still one view
    assert SuggestionView.objects.filter(status="deflected").count() == 2
    hidden = kb_articles["internal"]
    assert client.post(reverse("tickets:deflect"), {"article": hidden.pk}).status_code == 404


# --- detail, reply, close, reopen ----------------------------------------------------------
def test_detail_hides_internal_notes_and_other_organisations(
    client_for, alice, amy, bob, ada, open_ticket
):
    ticket = open_ticket(alice)
    ticket_note(ticket=ticket, author=ada, body="Secret agent note")
    ticket_reply(ticket=ticket, author=ada, body="Public answer")
    url = reverse("tickets:detail", args=[ticket.pk])
    html = client_for(alice).get(url).content.decode()
    assert "Public answer" in html and "Secret agent note" not in html
    assert client_for(amy).get(url).status_code == 200  # Acme shares tickets
    assert client_for(bob).get(url).status_code == 404


def test_reply_with_attachment(client_for, alice, open_ticket):
    ticket = open_ticket(alice)
    response = client_for(alice).post(
        reverse("tickets:reply", args=[ticket.pk]), {"body": "More info", "attachments": [png()]}
    )
    assert response.status_code == 302
    message = ticket.messages.latest("pk")
    assert message.body == "More info" and message.attachments.count() == 1


def test_empty_reply_is_a_400(client_for, alice, open_ticket):
    ticket = open_ticket(alice)
    response = client_for(alice).post(reverse("tickets:reply", args=[ticket.pk]), {"body": " "})
    assert response.status_code == 400
    assert ticket.messages.count() == 1


def test_close_and_reopen_from_the_page(client_for, alice, open_ticket):
    ticket = open_ticket(alice)
    client = client_for(alice)
    client.post(reverse("tickets:close", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    html = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "Reopen ticket" in html
    client.post(reverse("tickets:reopen", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_reopen_after_the_window_shows_a_message(client_for, alice, open_ticket, settings):
    ticket = open_ticket(alice)
    client = client_for(alice)
    client.post(reverse("tickets:close", args=[ticket.pk]))
    Ticket.objects.filter(pk=ticket.pk).update(
        closed_at=timezone.now() - timedelta(days=60), resolved_at=None
    )
    response = client.post(reverse("tickets:reopen", args=[ticket.pk]), follow=True)
    assert "no longer be reopened" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_expected_response_time_is_shown(client_for, alice, policies, open_ticket):
    ticket = open_ticket(alice)
    html = client_for(alice).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "We aim to reply within 4 business hours" in html


# --- attachments ----------------------------------------------------------------------------------
def test_attachment_download_is_checked_and_never_inline(client_for, alice, bob, ada, open_ticket):
    ticket = open_ticket(alice, attachments=[png("screen.png")])
    attachment = ticket.attachments.get()
    url = attachment.get_absolute_url()
    response = client_for(alice).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="screen.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert client_for(bob).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302
    other = open_ticket(bob)
    wrong_ticket = reverse("tickets:attachment", args=[other.pk, attachment.pk])
    assert client_for(bob).get(wrong_ticket).status_code == 404


def test_internal_note_attachments_are_for_agents_only(client_for, alice, ada, open_ticket):
    ticket = open_ticket(alice)
    note = ticket_note(ticket=ticket, author=ada, body="log", attachments=[png("internal.png")])
    url = note.attachments.get().get_absolute_url()
    assert client_for(alice).get(url).status_code == 404
    assert client_for(ada).get(url).status_code == 200
