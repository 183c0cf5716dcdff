"""Outgoing notification emails are worth answering: a stable Message-ID per delivery, the
ticket's earlier mails in In-Reply-To/References (mail clients thread them), the ticket number
in the subject, the reply address, the "reply above this line" marker, and Auto-Submitted and
List-Unsubscribe except on a person's reply to the customer."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tickets.services import ticket_reply
from tickets.services.intake import mail_intake


@pytest.fixture
def thread(alice, ada, open_ticket, queues, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(alice, subject="Router keeps rebooting")
    for text in ("Could you restart it?", "Is it better now?", "Closing soon."):
        with django_capture_on_commit_callbacks(execute=True):
            ticket_reply(ticket=ticket, author=ada, body=text)
    sent = [m for m in mail.outbox if m.to == [alice.email]]
    return ticket, sent


def test_a_tickets_mails_thread(thread):
    ticket, sent = thread
    replies = [m for m in sent if "reply from support" in m.subject.lower()]
    assert len(replies) == 3
    ids = [m.extra_headers["Message-ID"] for m in sent]
    assert len(set(ids)) == len(ids)
    first, second, third = replies
    earlier = ids[: ids.index(first.extra_headers["Message-ID"])]
    assert first.extra_headers.get("References", "").split() == earlier
    assert second.extra_headers["In-Reply-To"] == first.extra_headers["Message-ID"]
    assert third.extra_headers["In-Reply-To"] == second.extra_headers["Message-ID"]
    assert third.extra_headers["References"].split() == [
        *earlier,
        *ids[len(earlier) : len(earlier) + 2],
    ]
    for message in replies:
        assert f"[T-{ticket.pk}]" in message.subject or ticket.number in message.subject
        assert message.reply_to == [f"support+T-{ticket.pk}@example.com"]
        assert message.body.startswith("-- Reply above this line --")
        # a person's answer: no auto-generated marks
        assert "Auto-Submitted" not in message.extra_headers
        assert "List-Unsubscribe" not in message.extra_headers


def test_automatic_notices_are_marked(settings):
    from portal.models import NotificationDelivery
    from portal.services.notifications import mail_headers

    notice = NotificationDelivery(pk=7, event_key="ticket:5:status:9", kind="ticket.status")
    headers = mail_headers(notice)
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["List-Unsubscribe"] == (
        f"<{settings.SITE_URL}{reverse('portal:notification_settings')}>"
    )
    assert headers["Message-ID"].startswith("<ticket.5.status.9.d7@")
    reply = NotificationDelivery(pk=8, event_key="ticket:5:message:3", kind="ticket.agent_reply")
    assert "Auto-Submitted" not in mail_headers(reply)


def test_a_reply_to_the_thread_comes_back_to_the_ticket(thread, alice):
    ticket, sent = thread
    last = sent[-1]
    raw = (
        f"From: {alice.email}\r\nTo: support@example.com\r\nSubject: Re: {last.subject}\r\n"
        f"Message-ID: <answer-1@client.example.org>\r\nIn-Reply-To: "
        f"{last.extra_headers['Message-ID']}\r\nReferences: {last.extra_headers['References']} "
        f"{last.extra_headers['Message-ID']}\r\n\r\nYes, it works now.\r\n\r\n> quoted\r\n"
    ).encode()
    result = mail_intake(raw=raw)
    assert result.inbound.ticket_id == ticket.pk
