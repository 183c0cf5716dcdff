"""Each built-in automation really acts: emails sent, subscriptions changed, documents
stored, cards blocked, webhooks POSTed (to a real local HTTP server)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from catalogue.automations import registry
from catalogue.automations.account import email_change_token
from catalogue.automations.webhook import backoff
from catalogue.models import PaymentCard, RequestStatus, WebhookDelivery
from catalogue.services import RequestInvalid, request_email_confirm
from portal.models import Subscription
from tests.catalogue.webhook_server import FakeBackend
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
SECRET = "s3cret-s3cret-s3cret"


def test_registry_lists_every_builtin():
    assert set(registry.keys()) >= {
        "password_reset",
        "change_email",
        "subscription_cancel",
        "subscription_pause",
        "invoice_copy",
        "card_block",
        "webhook",
    }


# --- password reset -------------------------------------------------------------------------------
def test_password_reset_sends_allauth_link(items, alice, submit):
    request = submit(alice, items["password"], {"email": "alice@example.com"})
    assert request.status == RequestStatus.FULFILLED
    reset = [m for m in mail.outbox if "/accounts/password/reset/key/" in m.body]
    assert len(reset) == 1
    assert reset[0].to == ["alice@example.com"]
    assert "a***@example.com" in request.result


def test_password_reset_never_reveals_whether_an_account_exists(items, alice, submit):
    known = submit(alice, items["password"], {"email": "alice@example.com"})
    unknown = submit(alice, items["password"], {"email": "nobody@example.com"})
    assert unknown.status == known.status == RequestStatus.FULFILLED
    assert known.result.replace("a***", "X") == unknown.result.replace("n***", "X")
    assert not any(
        "/accounts/password/reset/key/" in m.body for m in mail.outbox if "nobody@" in m.to[0]
    )


# --- change of contact email ----------------------------------------------------------------------
def test_change_email_switches_only_after_verification(items, alice, submit):
    from allauth.account.models import EmailAddress

    request = submit(alice, items["email"], {"new_email": "alice.new@example.org"})
    assert request.status == RequestStatus.IN_PROGRESS
    alice.refresh_from_db()
    assert alice.email == "alice@example.com", "not switched before the link is opened"
    link = next(m for m in mail.outbox if m.to == ["alice.new@example.org"])
    assert f"/requests/{request.pk}/confirm-email/" in link.body

    request_email_confirm(request=request, user=alice, new_email="alice.new@example.org")
    alice.refresh_from_db()
    request.refresh_from_db()
    assert alice.email == "alice.new@example.org"
    assert alice.customer.email == "alice.new@example.org"
    assert EmailAddress.objects.get(user=alice).email == "alice.new@example.org"
    assert EmailAddress.objects.get(user=alice).verified
    assert request.status == RequestStatus.FULFILLED


def test_change_email_confirm_page(items, alice, bob, submit, client_for):
    request = submit(alice, items["email"], {"new_email": "alice.new@example.org"})
    token = email_change_token(request, "alice.new@example.org")
    url = f"/requests/{request.pk}/confirm-email/{token}/"
    assert client_for(bob).get(url).status_code == 404
    client = client_for(alice)
    assert b"alice.new@example.org" in client.get(url).content
    alice.refresh_from_db()
    assert alice.email == "alice@example.com", "GET changes nothing"
    assert client.post(url).status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.org"
    forged = f"/requests/{request.pk}/confirm-email/{token[:-2]}xx/"
    assert client.get(forged).status_code == 400


def test_change_email_refuses_an_address_in_use(items, alice, bob, submit):
    with pytest.raises(RequestInvalid) as caught:
        submit(alice, items["email"], {"new_email": "bob@example.com"})
    assert "new_email" in caught.value.errors


# --- subscriptions --------------------------------------------------------------------------------
def test_cancel_subscription_with_effective_date(items, alice, alice_sub, submit):
    day = timezone.localdate() + timedelta(days=10)
    request = submit(
        alice,
        items["cancel"],
        {"subscription": str(alice_sub.pk), "effective_date": day.isoformat()},
    )
    alice_sub.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert alice_sub.status == Subscription.Status.CANCELLED
    assert timezone.localtime(alice_sub.ended_at).date() == day
    assert "Fibre 1000 is cancelled" in request.result


def test_cancel_refuses_a_past_date(items, alice, alice_sub, submit):
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    with pytest.raises(RequestInvalid) as caught:
        submit(alice, items["cancel"], {"subscription": str(alice_sub.pk), "effective_date": past})
    assert "effective_date" in caught.value.errors


def test_pause_subscription(items, alice, alice_sub, submit):
    request = submit(alice, items["pause"], {"subscription": str(alice_sub.pk)})
    alice_sub.refresh_from_db()
    assert alice_sub.status == Subscription.Status.PAUSED
    assert request.status == RequestStatus.FULFILLED
    with pytest.raises(RequestInvalid):  # already paused
        submit(alice, items["pause"], {"subscription": str(alice_sub.pk)})


# --- invoice copy ---------------------------------------------------------------------------------
def test_invoice_copy_is_stored_and_emailed(items, alice, alice_purchase, submit, client_for):
    request = submit(alice, items["invoice"], {"purchase": str(alice_purchase.pk)})
    assert request.status == RequestStatus.FULFILLED
    assert request.result_file_name == "receipt-ORD-1001.html"
    content = request.result_file.open("rb").read()
    assert b"ORD-1001" in content
    assert b"49" in content
    sent = next(m for m in mail.outbox if m.subject.startswith("Your copy"))
    assert sent.to == ["alice@example.com"]
    assert sent.attachments[0][0] == "receipt-ORD-1001.html"
    response = client_for(alice).get(f"/requests/{request.pk}/result/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


# --- lost card ------------------------------------------------------------------------------------
def test_lost_card_is_blocked_at_once_and_replacement_filed(items, alice, alice_card, submit):
    request = submit(alice, items["card"], {"last_four": "4242"}, run=False)
    alice_card.refresh_from_db()
    assert alice_card.status == PaymentCard.Status.BLOCKED, "blocked in the submission itself"
    assert alice_card.blocked_by_request == request
    assert request.status == RequestStatus.SUBMITTED

    from catalogue.services import request_fulfil

    request_fulfil(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert request.automated
    ticket = request.ticket
    assert ticket.subject == "Replacement card for Visa •••• 4242"
    assert ticket.queue == items["card"].queue


def test_lost_card_unknown_digits_is_a_form_error(items, alice, alice_card, submit):
    with pytest.raises(RequestInvalid) as caught:
        submit(alice, items["card"], {"last_four": "9999"})
    assert caught.value.errors["last_four"] == ["None of your active cards ends in these digits."]
    alice_card.refresh_from_db()
    assert alice_card.status == PaymentCard.Status.ACTIVE


# --- webhook --------------------------------------------------------------------------------------
@pytest.fixture
def backend():
    server = FakeBackend().start()
    yield server
    server.stop()


@pytest.fixture
def hook_item(make_item, queue, backend):
    from tests.catalogue.conftest import field

    def make(**config):
        return make_item(
            "bank-card-limit",
            "webhook",
            [field("limit", "number")],
            queue=queue,
            automation_config={"url": backend.url, "secret": SECRET, **config},
        )

    return make


def test_webhook_posts_signed_json_and_fulfils_on_2xx(hook_item, backend, alice, submit):
    request = submit(alice, hook_item(), {"limit": "500"})
    assert request.status == RequestStatus.FULFILLED
    assert request.result == "Card system: done."
    (received,) = backend.received
    expected = "sha256=" + hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Portal-Signature"] == expected
    assert received.headers["Idempotency-Key"] == f"catalogue-R-{request.pk}"
    assert received.json["data"] == {"limit": 500}
    assert received.json["customer_ref"] == "C-ALICE"


def test_webhook_retries_with_backoff_then_succeeds(hook_item, backend, alice, submit):
    backend.statuses = [500, 503, 200]
    request = submit(alice, hook_item(max_attempts=4), {"limit": "1"})
    assert request.status == RequestStatus.FULFILLED
    deliveries = list(WebhookDelivery.objects.filter(request=request))
    assert [d.status_code for d in deliveries] == [500, 503, 200]
    keys = {r.headers["Idempotency-Key"] for r in backend.received}
    assert keys == {f"catalogue-R-{request.pk}"}, "one key for every retry"
    first, second = deliveries[0], deliveries[1]
    assert (first.next_attempt_at - first.created_at).total_seconds() == pytest.approx(30, abs=2)
    assert (second.next_attempt_at - second.created_at).total_seconds() == pytest.approx(60, abs=2)
    assert [backoff(n, 30) for n in (1, 2, 3)] == [30, 60, 120]


def test_webhook_fails_after_max_attempts_and_falls_back_to_a_ticket(
    hook_item, backend, alice, submit
):
    backend.statuses = [500]
    request = submit(alice, hook_item(max_attempts=3), {"limit": "7"})
    assert request.status == RequestStatus.FAILED
    assert len(backend.received) == 3
    assert "after 3 attempts" in request.error
    ticket = Ticket.objects.get(pk=request.ticket_id)
    body = ticket.messages.get().body
    assert "after 3 attempts" in body
    assert "**Limit:** 7" in body, "the form data travels with the ticket"
    assert ticket.queue.slug == "requests"


def test_webhook_unreachable_is_retried_then_failed(make_item, queue, alice, submit):
    from tests.catalogue.conftest import field

    item = make_item(
        "dead-hook",
        "webhook",
        [field("note")],
        queue=queue,
        automation_config={"url": "http://127.0.0.1:9/x", "secret": SECRET, "max_attempts": 2},
    )
    request = submit(alice, item, {"note": "hi"})
    assert request.status == RequestStatus.FAILED
    assert WebhookDelivery.objects.filter(request=request, status_code=None).count() == 2
    assert request.ticket_id is not None
