"""The inbound email webhook (/tickets/mail/inbound/): providers' posts through django-anymail,
verified (basic auth always, Mailgun's signature), handed to the intake service."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from tickets.models import InboundMessage, Ticket

from .mail_helpers import compose, load

URL = "/tickets/mail/inbound/"
SECRET = "portal:s3cret-webhook"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
SIGNING_KEY = "key-mailgun-signing"


@pytest.fixture
def postmark(settings):
    settings.EMAIL_INBOUND_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


@pytest.fixture
def mailgun(settings):
    settings.EMAIL_INBOUND_ESP = "mailgun"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def postmark_post(client, raw: bytes, **extra):
    payload = {"RawEmail": raw.decode("utf-8"), "Headers": [], "FromFull": {}}
    return client.post(URL, json.dumps(payload), content_type="application/json", **extra)


def test_a_postmark_post_opens_a_ticket(client, postmark, carol, queues):
    response = postmark_post(client, load("html_only.eml"), **AUTH)

    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert inbound.source == "webhook:postmark" and inbound.state == "accepted"
    assert inbound.ticket.customer == carol.customer


def test_a_post_without_the_secret_is_refused_and_stores_nothing(client, postmark, carol, queues):
    wrong = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"portal:guess").decode()}

    assert postmark_post(client, load("html_only.eml")).status_code == 400
    assert postmark_post(client, load("html_only.eml"), **wrong).status_code == 400
    assert not InboundMessage.objects.exists() and not Ticket.objects.exists()


def test_the_same_post_twice_is_one_ticket(client, postmark, carol, queues):
    for _ in range(2):
        assert postmark_post(client, load("html_only.eml"), **AUTH).status_code == 200
    assert Ticket.objects.count() == 1


def _mailgun_fields(raw: bytes, *, key: str = SIGNING_KEY) -> dict:
    token, timestamp = "a" * 50, "1764950000"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return {
        "body-mime": raw.decode("utf-8"),
        "recipient": "support@example.com",
        "sender": "carol@example.com",
        "token": token,
        "timestamp": timestamp,
        "signature": signature.hexdigest(),
    }


def test_a_signed_mailgun_post_opens_a_ticket(client, mailgun, carol, queues):
    raw = compose(sender="carol@example.com", subject="Via Mailgun")

    response = client.post(URL, _mailgun_fields(raw), **AUTH)

    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.source, inbound.envelope_to) == ("webhook:mailgun", "support@example.com")
    assert inbound.ticket.subject == "Via Mailgun"


def test_a_mailgun_post_with_a_bad_signature_is_refused(client, mailgun, carol, queues):
    raw = compose(sender="carol@example.com")

    response = client.post(URL, _mailgun_fields(raw, key="not-the-key"), **AUTH)

    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_a_message_larger_than_djangos_form_limit_is_taken(client, postmark, carol, queues):
    """Django refuses posts over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB); a mail with a big
    attachment is larger, and is taken up to EMAIL_INBOUND_MAX_MB."""
    raw = compose(sender="carol@example.com", body="x" * 3_000_000)

    assert postmark_post(client, raw, **AUTH).status_code == 200
    assert InboundMessage.objects.get().size > 3_000_000


def test_a_post_over_the_limit_is_413(client, postmark, settings, carol, queues):
    settings.EMAIL_INBOUND_MAX_BYTES = 1000

    response = postmark_post(client, compose(sender="carol@example.com", body="x" * 3000), **AUTH)

    assert response.status_code == 413
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("configured", [{"ESP": ""}, {"SECRET": ""}])
def test_the_webhook_is_off_unless_configured(client, settings, db, configured):
    settings.EMAIL_INBOUND_ESP = configured.get("ESP", "postmark")
    settings.ANYMAIL = {"WEBHOOK_SECRET": configured.get("SECRET", SECRET)}

    assert postmark_post(client, compose(sender="x@example.org"), **AUTH).status_code == 404


def test_the_webhook_has_one_address_outside_the_language_prefix(client, postmark, carol, queues):
    assert reverse("mail_webhook:mail_inbound") == URL
    raw = compose(sender="carol@example.com", subject="Hello", message_id="<it-1@c.org>")
    assert postmark_post(client, raw, **AUTH).status_code == 200
    italian = client.post("/it" + URL, "{}", content_type="application/json", **AUTH)
    assert italian.status_code == 404
