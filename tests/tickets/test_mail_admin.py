"""The Wagtail admin's inbound email pages: the list with a retry for failed messages, the
retry itself (admins only), and the addresses that route new tickets to a queue."""

from __future__ import annotations

import pytest

from tickets.models import InboundAddress, InboundMessage, Queue
from tickets.services import intake

from .mail_helpers import compose, load


@pytest.fixture
def failed(monkeypatch, carol, queues):
    """carol's message, failed by a (simulated) bug in the parser."""

    def broken(*args, **kwargs):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(intake, "parse_message", broken)
    inbound = intake.mail_intake(raw=compose(sender="carol@example.com", subject="Lost?")).inbound
    monkeypatch.undo()
    assert inbound.state == "failed"
    return inbound


def test_admins_see_failed_messages_with_a_retry_link(client_for, root, failed):
    response = client_for(root).get("/admin/support/inbound-emails/")

    assert response.status_code == 200
    assert b"carol@example.com" in response.content
    assert f"/admin/support/inbound-retry/{failed.pk}/".encode() in response.content


def test_the_inspect_page_shows_the_error(client_for, root, failed):
    response = client_for(root).get(f"/admin/support/inbound-emails/inspect/{failed.pk}/")

    assert response.status_code == 200 and b"parser bug" in response.content


def test_a_failed_message_is_retried_from_the_admin(client_for, root, carol, failed):
    client = client_for(root)
    page = client.get(f"/admin/support/inbound-retry/{failed.pk}/")
    assert page.status_code == 200 and b"Process this email again" in page.content

    response = client.post(f"/admin/support/inbound-retry/{failed.pk}/")

    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.state, failed.reason, failed.attempts) == ("accepted", "new_ticket", 2)
    assert failed.ticket.customer == carol.customer and failed.ticket.subject == "Lost?"


def test_a_malformed_message_retried_from_the_admin_stays_failed(client_for, root, db):
    inbound = intake.mail_intake(raw=load("malformed.eml")).inbound

    response = client_for(root).post(f"/admin/support/inbound-retry/{inbound.pk}/", follow=True)

    inbound.refresh_from_db()
    assert (inbound.state, inbound.attempts) == ("failed", 2)
    assert b"failed again" in response.content


def test_an_accepted_message_is_not_retried(client_for, root, carol, queues):
    inbound = intake.mail_intake(raw=compose(sender="carol@example.com")).inbound

    client_for(root).post(f"/admin/support/inbound-retry/{inbound.pk}/")

    inbound.refresh_from_db()
    assert inbound.attempts == 1


@pytest.mark.parametrize("persona", ["ada", "alice"])
def test_only_admins_retry(request, client_for, failed, persona):
    user = request.getfixturevalue(persona)

    response = client_for(user).post(f"/admin/support/inbound-retry/{failed.pk}/")

    assert response.status_code in (302, 403)
    failed.refresh_from_db()
    assert failed.state == "failed" and failed.attempts == 1


def test_admins_route_an_address_to_a_queue(client_for, root, queues):
    billing = Queue.objects.create(name="Billing", slug="billing")

    response = client_for(root).post(
        "/admin/support/inbound-addresses/new/",
        {"address": "Billing@Example.com", "queue": billing.pk, "is_active": "on"},
    )

    assert response.status_code == 302
    assert InboundAddress.objects.get().address == "billing@example.com"
    assert InboundMessage.objects.count() == 0
