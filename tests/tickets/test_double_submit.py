"""Double submits create one thing: the new-ticket form, customer replies and the desk's
composer carry a key per form render (portal.idempotency).

The "at once" cases post in real threads on PostgreSQL (each thread its own client and
connection, released together by a barrier); SQLite serialises writers, so there the same
posts run one after the other."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import IdempotencyKey
from tests.portal.test_idempotency import concurrently
from tickets.models import Message, Ticket
from tickets.services import ticket_open

NEW = reverse("tickets:new")
FORM = {"subject": "Router blinks red", "category": "problem", "impact": "me",
        "description": "Since the storm."}  # fmt: skip


def form_key(response) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', response.content.decode())
    assert match, "the form has no idempotency key"
    return match.group(1)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_render_of_the_form_has_a_fresh_key(client_for, alice):
    client = client_for(alice)
    first, second = form_key(client.get(NEW)), form_key(client.get(NEW))
    assert first != second and len(first) >= 8


def test_posting_the_form_twice_opens_one_ticket(client_for, alice):
    client = client_for(alice)
    data = {**FORM, "idempotency_key": form_key(client.get(NEW))}
    first = client.post(NEW, data)
    again = client.post(NEW, data, follow=True)
    ticket = Ticket.objects.get()
    assert first.status_code == 302 and first["Location"] == ticket.get_absolute_url()
    assert again.redirect_chain[-1][0] == ticket.get_absolute_url()
    assert "You already sent this" in again.content.decode()
    # a new render is a new ticket
    client.post(NEW, {**FORM, "idempotency_key": form_key(client.get(NEW))})
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize("bad", ["short", "k" * 65, "has spaces in it", "<script>x</script>"])
def test_a_bad_key_is_a_form_error_and_opens_nothing(client_for, alice, bad):
    response = client_for(alice).post(NEW, {**FORM, "idempotency_key": bad})
    assert response.status_code == 400
    assert "submission key is not valid" in response.content.decode()
    assert form_key(response) != bad  # sending it again works
    assert not Ticket.objects.exists()


def test_the_same_key_with_other_answers_is_refused_with_a_new_key(client_for, alice):
    client = client_for(alice)
    key = form_key(client.get(NEW))
    client.post(NEW, {**FORM, "idempotency_key": key})
    refused = client.post(NEW, {**FORM, "subject": "Something else", "idempotency_key": key})
    assert refused.status_code == 400
    assert "already used for a different submission" in refused.content.decode()
    assert Ticket.objects.count() == 1
    renewed = form_key(refused)
    assert renewed != key
    sent = client.post(NEW, {**FORM, "subject": "Something else", "idempotency_key": renewed})
    assert sent.status_code == 302 and Ticket.objects.count() == 2


def test_a_form_without_a_key_still_works(client_for, alice):
    client_for(alice).post(NEW, FORM)
    assert Ticket.objects.count() == 1
    assert not IdempotencyKey.objects.exists()


def test_a_reply_sent_twice_is_one_message(client_for, alice):
    ticket = ticket_open(customer=alice.customer, opened_by=alice, subject="S", body="B")
    client = client_for(alice)
    key = form_key(client.get(ticket.get_absolute_url()))
    url = reverse("tickets:reply", args=[ticket.pk])
    for _ in range(2):
        assert client.post(url, {"body": "Any news?", "idempotency_key": key}).status_code == 302
    assert ticket.messages.filter(body="Any news?").count() == 1


def test_the_desk_composer_sends_once(client_for, alice, ada):
    ticket = ticket_open(customer=alice.customer, opened_by=alice, subject="S", body="B")
    client = client_for(ada)
    key = form_key(client.get(reverse("desk:ticket", args=[ticket.pk])))
    url = reverse("desk:compose", args=[ticket.pk])
    data = {"kind": "reply", "body": "Restart it, please.", "idempotency_key": key}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert ticket.messages.filter(body="Restart it, please.").count() == 1


def test_the_composer_keeps_its_key_while_inserting_text(client_for, alice, ada):
    ticket = ticket_open(customer=alice.customer, opened_by=alice, subject="S", body="B")
    client = client_for(ada)
    key = form_key(client.get(reverse("desk:ticket", args=[ticket.pk])))
    searched = client.post(
        reverse("desk:compose_search", args=[ticket.pk]),
        {"kind": "reply", "body": "Hi", "article_q": "router", "idempotency_key": key},
    )  # fmt: skip
    assert searched.status_code == 200
    assert form_key(searched) == key


# --- at the same time, on PostgreSQL ------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_form_posted_twice_at_once_opens_one_ticket(alice):
    key = form_key(logged_in(alice).get(NEW))
    data = {**FORM, "idempotency_key": key}
    responses = concurrently([lambda: logged_in(alice).post(NEW, data) for _ in range(3)])
    ticket = Ticket.objects.get()
    assert [r.status_code for r in responses] == [302] * 3
    assert {r["Location"] for r in responses} == {ticket.get_absolute_url()}
    assert Message.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_reply_posted_twice_at_once_is_one_message(alice):
    ticket = ticket_open(customer=alice.customer, opened_by=alice, subject="S", body="B")
    key = form_key(logged_in(alice).get(ticket.get_absolute_url()))
    url = reverse("tickets:reply", args=[ticket.pk])
    data = {"body": "Any news?", "idempotency_key": key}
    responses = concurrently([lambda: logged_in(alice).post(url, data) for _ in range(3)])
    assert [r.status_code for r in responses] == [302] * 3
    assert ticket.messages.filter(body="Any news?").count() == 1
