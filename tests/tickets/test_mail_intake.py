"""The email channel's intake service (tickets.services.intake.mail_intake), driven by the
real-world corpus in mail_corpus/: replies thread onto their ticket with their attachments,
unknown senders open tickets, auto-replies and bounces create nothing, the same message twice
is one, a spoofed sender never lands on someone else's ticket, a failed message is kept and
retried."""

from __future__ import annotations

import pytest
from django.core import mail

from portal.models import Channel, Customer, Interaction, InteractionKind
from tickets.models import (
    Attachment,
    InboundAddress,
    InboundMessage,
    Message,
    Queue,
    Status,
    Ticket,
)
from tickets.services import ticket_merge, ticket_reply, ticket_status_change
from tickets.services.intake import inbound_retry, mail_intake

from .mail_helpers import compose, load, sent_message_id

State = InboundMessage.State


@pytest.fixture
def alice_ticket(alice, ada, open_ticket, queues):
    """alice's ticket with one reply by ada, emailed to alice (the Message-ID to reply to)."""
    ticket = open_ticket(alice, subject="Internet drops every evening")
    ticket_reply(ticket=ticket, author=ada, body="Could you restart the router?")
    return ticket


def reply_to(ticket, name: str) -> bytes:
    """Corpus message ``name`` as a reply to the last notification sent about ``ticket``."""
    return load(name, ticket=ticket, message_id=sent_message_id(ticket))


def original(inbound: InboundMessage) -> bytes:
    with inbound.raw.open("rb") as handle:
        return handle.read()


def messages(ticket) -> list[Message]:
    return list(ticket.messages.order_by("pk"))


def test_a_gmail_reply_lands_on_the_ticket_threaded_with_its_attachment(alice, ada, alice_ticket):
    ticket_status_change(ticket=alice_ticket, status=Status.WAITING_CUSTOMER, actor=ada)
    raw = load("gmail_reply.eml", ticket=alice_ticket, message_id=sent_message_id(alice_ticket))

    result = mail_intake(raw=raw)

    inbound = result.inbound
    assert (inbound.state, inbound.reason) == (State.ACCEPTED, "reply")
    assert inbound.ticket == alice_ticket and not result.duplicate
    reply = messages(alice_ticket)[-1]
    assert inbound.ticket_message == reply
    assert reply.author == alice and reply.author_role == Message.Author.CUSTOMER
    assert reply.channel == Channel.EMAIL and not reply.internal
    assert reply.body.startswith("Hi Ada,\n\nI restarted the router")
    assert "wrote:" not in reply.body and "Could you restart" not in reply.body  # quote gone
    [attachment] = reply.attachments.all()
    assert attachment.original_name == "router-log.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.file.read().startswith(b"%PDF")
    # like a reply from the portal: "waiting on customer" ends, the SLA clock runs again
    alice_ticket.refresh_from_db()
    assert alice_ticket.status == Status.OPEN and alice_ticket.sla_paused_at is None
    assert Interaction.objects.filter(
        kind=InteractionKind.TICKET_REPLY, channel=Channel.EMAIL, customer=alice.customer
    ).exists()
    # the full original is kept
    assert original(inbound) == raw


def test_a_reply_is_found_by_its_references_without_the_plus_address(alice, alice_ticket):
    raw = load("gmail_reply.eml", message_id=sent_message_id(alice_ticket))
    raw = raw.replace(b"support+T-4242@", b"support@").replace(b"[T-4242] ", b"")

    inbound = mail_intake(raw=raw).inbound

    assert inbound.reason == "reply" and inbound.ticket == alice_ticket


def test_a_reply_is_found_by_the_ticket_number_in_the_subject(alice, alice_ticket):
    raw = compose(
        sender="Alice Archer <alice@example.com>",
        subject=f"Re: [T-{alice_ticket.pk}] Internet drops every evening",
        body="Still broken.",
    )

    inbound = mail_intake(raw=raw).inbound

    assert inbound.ticket == alice_ticket
    assert messages(alice_ticket)[-1].body == "Still broken."


def test_an_id_that_looks_like_ours_but_was_never_sent_matches_nothing(alice, alice_ticket):
    raw = load(
        "gmail_reply.eml", message_id=f"<ticket.{alice_ticket.pk}.message.1.d999999@example.com>"
    )
    raw = raw.replace(b"support+T-4242@", b"support@").replace(b"[T-4242] ", b"")

    inbound = mail_intake(raw=raw).inbound

    assert inbound.reason == "new_ticket" and inbound.ticket != alice_ticket


def test_an_outlook_reply_from_a_colleague_in_windows_1252(amy, alice_ticket):
    raw = load("outlook_reply.eml", ticket=alice_ticket, message_id=sent_message_id(alice_ticket))

    inbound = mail_intake(raw=raw).inbound

    assert inbound.reason == "reply" and inbound.ticket == alice_ticket
    reply = messages(alice_ticket)[-1]
    assert reply.author == amy
    assert "We pay €10 a month extra for the “business” line" in reply.body
    assert "From: Support" not in reply.body and "Ada Agent replied" not in reply.body


def test_an_apple_mail_reply_keeps_its_inline_image(alice, alice_ticket):
    raw = load(
        "apple_mail_reply.eml", ticket=alice_ticket, message_id=sent_message_id(alice_ticket)
    )

    inbound = mail_intake(raw=raw).inbound

    reply = inbound.ticket_message
    assert reply.body == "Here is a photo of the lights on the router while it is down.\n\nAlice"
    [image] = reply.attachments.all()
    assert (image.original_name, image.content_type) == ("IMG_4821.png", "image/png")


def test_an_unknown_sender_opens_a_ticket_as_a_new_customer(queues):
    inbound = mail_intake(raw=load("iso_8859_1_new_sender.eml")).inbound

    assert (inbound.state, inbound.reason) == (State.ACCEPTED, "new_ticket")
    customer = Customer.objects.get(email="mario.rossi@esempio.it")
    assert customer.name == "Mario Rossi" and customer.user is None
    ticket = inbound.ticket
    assert ticket.customer == customer and ticket.channel == Channel.EMAIL
    assert ticket.subject == "Perché la fibra non è ancora attiva?"
    assert ticket.queue == queues["general"]  # the default queue
    body = messages(ticket)[0].body
    assert "la linea non è ancora attiva" in body and "«è tutto a posto»" in body
    assert "Via Garibaldi" not in body  # the signature is stripped
    assert Interaction.objects.filter(
        kind=InteractionKind.TICKET_OPEN, channel=Channel.EMAIL, customer=customer
    ).exists()
    # a second message from the same address is the same customer
    again = compose(
        sender="mario.rossi@esempio.it", subject="Any news?", message_id="<m2@esempio.it>"
    )
    assert mail_intake(raw=again).inbound.ticket.customer == customer


def test_an_unknown_sender_is_refused_when_the_setting_says_so(settings, queues):
    settings.EMAIL_INBOUND_UNKNOWN_SENDER = "refuse"

    inbound = mail_intake(raw=load("iso_8859_1_new_sender.eml")).inbound

    assert (inbound.state, inbound.reason) == (State.REFUSED, "unknown_sender")
    assert not Customer.objects.filter(email="mario.rossi@esempio.it").exists()
    assert not Ticket.objects.exists()


def test_an_html_only_message_goes_to_the_queue_of_its_address_sanitised(carol, queues):
    billing = Queue.objects.create(name="Billing", slug="billing")
    InboundAddress.objects.create(address="Billing@Example.com", queue=billing)

    inbound = mail_intake(raw=load("html_only.eml")).inbound

    ticket = inbound.ticket
    assert ticket.customer == carol.customer and ticket.queue == billing
    message = messages(ticket)[0]
    assert message.author == carol
    assert "charged twice for the _TV Premium_ package" in message.body
    assert "* Charge 1: 29.90 EUR" in message.body
    for unsafe in ("script", "evil", "javascript", "document.cookie", "onload", "tracker"):
        assert unsafe not in message.body and unsafe not in message.body_html
    assert 'href="https://shop.example.com/orders/58213"' in message.body_html


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply.eml", "auto_reply"),
        ("vacation_precedence_bulk.eml", "auto_reply"),
        ("dsn_bounce.eml", "bounce"),
    ],
)
def test_auto_replies_and_bounces_create_nothing(name, reason, alice_ticket, amy, bob):
    before = (Ticket.objects.count(), Message.objects.count(), Customer.objects.count())

    inbound = mail_intake(raw=load(name, ticket=alice_ticket)).inbound

    assert (inbound.state, inbound.reason) == (State.IGNORED, reason)
    assert inbound.ticket is None
    assert (Ticket.objects.count(), Message.objects.count(), Customer.objects.count()) == before


def test_a_null_envelope_sender_is_a_bounce(alice, alice_ticket):
    raw = compose(sender="alice@example.com", subject=f"[T-{alice_ticket.pk}] x")

    inbound = mail_intake(raw=raw, envelope_from="").inbound

    assert (inbound.state, inbound.reason) == (State.IGNORED, "bounce")


def test_our_own_messages_coming_back_are_ignored(alice, alice_ticket):
    own = compose(
        sender="Support <support@example.com>",
        to="alice@example.com",
        subject=f"[T-{alice_ticket.pk}] New reply from support",
        message_id=sent_message_id(alice_ticket),
    )
    looped = compose(
        sender="alice@example.com",
        subject="Fwd",
        message_id="<x1@example.org>",
        headers={"X-Portal-Event": f"ticket:{alice_ticket.pk}:opened"},
    )
    count = Message.objects.count()

    for raw in (own, looped):
        inbound = mail_intake(raw=raw).inbound
        assert (inbound.state, inbound.reason) == (State.IGNORED, "own_message")

    assert Message.objects.count() == count


def test_the_same_message_twice_adds_one_message(alice, alice_ticket):
    raw = load("gmail_reply.eml", ticket=alice_ticket, message_id=sent_message_id(alice_ticket))
    count = Message.objects.count()

    first = mail_intake(raw=raw)
    second = mail_intake(raw=raw, source="imap")

    assert not first.duplicate and second.duplicate
    assert second.inbound.pk == first.inbound.pk
    assert Message.objects.count() == count + 1
    assert InboundMessage.objects.count() == 1


def test_a_message_without_message_id_is_taken_once_by_its_hash(bob, queues):
    raw = load("no_message_id.eml")

    first = mail_intake(raw=raw).inbound
    second = mail_intake(raw=raw)

    assert first.message_id == "" and first.dedup_key.startswith("sha256:")
    assert second.duplicate and Ticket.objects.filter(customer=bob.customer).count() == 1
    assert first.ticket.subject == "Cannot log in to the portal"


def test_a_spoofed_sender_never_lands_on_someone_elses_ticket(bob, alice_ticket):
    raw = load("gmail_reply.eml", ticket=alice_ticket, message_id=sent_message_id(alice_ticket))
    raw = raw.replace(
        b"From: Alice Archer <alice@example.com>", b"From: Bob Baker <bob@example.com>"
    )
    before = messages(alice_ticket)

    inbound = mail_intake(raw=raw).inbound

    assert messages(alice_ticket) == before
    assert inbound.reason == "new_ticket" and inbound.ticket != alice_ticket
    assert inbound.ticket.customer == bob.customer
    assert f"T-{alice_ticket.pk}" in inbound.detail


def test_a_foreign_reply_is_refused_when_the_setting_says_so(settings, bob, alice_ticket):
    settings.EMAIL_INBOUND_FOREIGN_REPLY = "refuse"
    raw = compose(sender="bob@example.com", to=f"support+T-{alice_ticket.pk}@example.com")

    inbound = mail_intake(raw=raw).inbound

    assert (inbound.state, inbound.reason) == (State.REFUSED, "not_allowed")
    assert Ticket.objects.count() == 1 and len(messages(alice_ticket)) == 2


def test_a_from_that_fails_dmarc_at_our_mail_server_is_refused(alice, alice_ticket):
    raw = compose(
        sender="Alice Archer <alice@example.com>",
        to=f"support+T-{alice_ticket.pk}@example.com",
        headers={
            "Authentication-Results": "mx.example.com; spf=fail smtp.mailfrom=example.com; "
            "dkim=none; dmarc=fail (p=REJECT) header.from=example.com"
        },
    )

    inbound = mail_intake(raw=raw).inbound

    assert (inbound.state, inbound.reason) == (State.REFUSED, "not_allowed")
    assert len(messages(alice_ticket)) == 2


def test_a_customer_of_another_organisation_cannot_use_a_ticket_number(bob, carol, alice_ticket):
    """carol (no organisation) writes with alice's ticket number in the subject."""
    raw = compose(sender="carol@example.com", subject=f"[T-{alice_ticket.pk}] me too")

    inbound = mail_intake(raw=raw).inbound

    assert inbound.ticket.customer == carol.customer
    assert len(messages(alice_ticket)) == 2


def test_an_agent_replies_and_writes_notes_from_their_mail_client(ada, alice, alice_ticket):
    to = f"support+T-{alice_ticket.pk}@example.com"
    reply = compose(sender="Ada Agent <ada@example.com>", to=to, body="Fixed on our side.")
    note = compose(
        sender="ada@example.com",
        to=to,
        body="#note\nCustomer is on the old firmware.",
        message_id="<note-1@example.org>",
    )

    first = mail_intake(raw=reply).inbound
    second = mail_intake(raw=note).inbound

    public, internal = messages(alice_ticket)[-2:]
    assert first.reason == "agent_reply" and second.reason == "agent_note"
    assert (public.author, public.internal, public.author_role) == (ada, False, "agent")
    assert public.body == "Fixed on our side." and public.channel == Channel.EMAIL
    assert (internal.internal, internal.body) == (True, "Customer is on the old firmware.")


def test_an_agent_mail_that_is_no_reply_is_refused(ada, queues):
    inbound = mail_intake(raw=compose(sender="ada@example.com")).inbound

    assert (inbound.state, inbound.reason) == (State.REFUSED, "agent_new")
    assert not Ticket.objects.exists()


def test_a_flood_from_one_sender_is_ignored(settings, carol, queues):
    settings.EMAIL_INBOUND_FLOOD_PER_MINUTE = 3
    states = [
        mail_intake(
            raw=compose(sender="carol@example.com", subject=f"n{i}", message_id=f"<n{i}@x.org>")
        ).inbound.reason
        for i in range(5)
    ]

    assert states == ["new_ticket"] * 3 + ["flood"] * 2
    assert Ticket.objects.count() == 3


def test_refused_attachments_are_listed_and_explained_once(
    settings, alice, alice_ticket, django_capture_on_commit_callbacks
):
    settings.TICKETS_ATTACHMENT_MAX_BYTES = 100_000  # the corpus PDF is 158 kB
    raw = load(
        "too_big_attachment.eml", ticket=alice_ticket, message_id=sent_message_id(alice_ticket)
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        inbound = mail_intake(raw=raw).inbound

    reply = inbound.ticket_message
    assert inbound.state == State.ACCEPTED
    assert [a.original_name for a in reply.attachments.all()] == ["screenshot.png"]
    assert [item["name"] for item in inbound.refused_files] == [
        "packet-capture.pdf",
        "diagnostics.exe",
    ]
    assert "Attachments not accepted:" in reply.body
    assert "packet-capture.pdf" in reply.body and "diagnostics.exe" in reply.body
    explanations = [email for email in mail.outbox if email.to == ["alice@example.com"]]
    assert len(explanations) == 1  # one explanation, not one per file
    [explanation] = explanations
    assert "packet-capture.pdf" in explanation.body and "diagnostics.exe" in explanation.body
    assert explanation.extra_headers["Auto-Submitted"] == "auto-replied"


def test_a_reply_to_a_merged_ticket_goes_to_the_ticket_it_was_merged_into(
    alice, ada, alice_ticket, open_ticket
):
    target = open_ticket(alice, subject="Same problem")
    ticket_merge(source=alice_ticket, target=target, actor=ada)
    raw = compose(sender="alice@example.com", to=f"support+T-{alice_ticket.pk}@example.com")

    inbound = mail_intake(raw=raw).inbound

    assert inbound.ticket == target


def test_a_reply_to_a_ticket_closed_long_ago_opens_a_new_one(settings, alice, ada, alice_ticket):
    from datetime import timedelta

    from django.utils import timezone

    ticket_status_change(ticket=alice_ticket, status=Status.CLOSED, actor=ada)
    later = timezone.now() + settings.TICKETS_REOPEN_WINDOW + timedelta(days=1)
    raw = compose(sender="alice@example.com", to=f"support+T-{alice_ticket.pk}@example.com")

    inbound = mail_intake(raw=raw, now=later).inbound

    assert inbound.reason == "new_ticket" and inbound.ticket != alice_ticket
    alice_ticket.refresh_from_db()
    assert alice_ticket.status == Status.CLOSED


def test_a_malformed_message_is_kept_as_failed(root):
    raw = load("malformed.eml")

    inbound = mail_intake(raw=raw).inbound

    assert (inbound.state, inbound.reason, inbound.attempts) == (State.FAILED, "error", 1)
    assert "MailParseError" in inbound.error
    assert original(inbound) == raw
    again = inbound_retry(inbound=inbound, actor=root)
    assert again.state == State.FAILED and again.attempts == 2


def test_a_failed_message_is_retried_once_the_cause_is_fixed(
    monkeypatch, root, alice, alice_ticket
):
    from tickets.services import intake

    raw = load("gmail_reply.eml", ticket=alice_ticket, message_id=sent_message_id(alice_ticket))

    def broken(*args, **kwargs):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(intake, "parse_message", broken)
    inbound = mail_intake(raw=raw).inbound
    assert inbound.state == State.FAILED and "parser bug" in inbound.error
    assert len(messages(alice_ticket)) == 2  # nothing half-written
    assert mail_intake(raw=raw).duplicate  # a redelivery does not process it again
    monkeypatch.undo()

    retried = inbound_retry(inbound=inbound, actor=root)

    assert (retried.state, retried.ticket, retried.attempts) == (State.ACCEPTED, alice_ticket, 2)
    assert retried.error == ""
    assert len(messages(alice_ticket)) == 3


def test_only_admins_retry(ada, root):
    from django.core.exceptions import PermissionDenied

    inbound = mail_intake(raw=load("malformed.eml")).inbound
    with pytest.raises(PermissionDenied):
        inbound_retry(inbound=inbound, actor=ada)


def test_an_empty_or_too_large_message_is_refused_before_anything_is_stored(db, settings):
    from tickets.services.intake import IntakeError

    settings.EMAIL_INBOUND_MAX_BYTES = 1000
    with pytest.raises(IntakeError) as empty:
        mail_intake(raw=b"  \n")
    with pytest.raises(IntakeError) as large:
        mail_intake(raw=compose(sender="x@example.org", body="x" * 2000))
    assert (empty.value.status_code, large.value.status_code) == (400, 413)
    assert not InboundMessage.objects.exists()


def test_attachments_count_toward_the_per_message_limit(settings, alice, alice_ticket):
    settings.TICKETS_ATTACHMENTS_PER_MESSAGE = 1
    raw = load(
        "too_big_attachment.eml", ticket=alice_ticket, message_id=sent_message_id(alice_ticket)
    )

    inbound = mail_intake(raw=raw).inbound

    assert Attachment.objects.filter(message=inbound.ticket_message).count() == 1
    assert len(inbound.refused_files) == 2


def test_ticket_emails_carry_the_message_id_replies_are_matched_by(alice, ada, alice_ticket):
    """Both ways a notification leaves (one by one, and in a batch through the pre-rendered
    path) send the delivery's stable Message-ID."""
    from portal.models import NotificationDelivery
    from portal.services.notifications import deliveries_send_batch, delivery_send

    delivery = NotificationDelivery.objects.filter(channel="email", recipient=alice).latest("pk")
    mail.outbox.clear()

    assert delivery_send(delivery.pk)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(status="pending")
    assert deliveries_send_batch([delivery.pk]) == 1

    one, batched = mail.outbox
    assert one.message()["Message-ID"] == sent_message_id(alice_ticket)
    assert batched.message()["Message-ID"] == sent_message_id(alice_ticket)
    assert batched.message().as_bytes().count(sent_message_id(alice_ticket).encode()) == 1
