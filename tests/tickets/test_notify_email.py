"""A ticket's notification email reaches the customer in their language: the subject, both
parts (text and HTML, from one template) and the language header; an agent's reply is a
person's answer (no Auto-Submitted, no List-Unsubscribe), a status change is automatic."""

from __future__ import annotations

import pytest
from django.core import mail

from tickets.services import ticket_reply


def html_of(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


@pytest.mark.parametrize(
    ("language", "subject", "words", "absent"),
    [
        (
            "it",
            "Nuova risposta dall'assistenza: Router keeps rebooting",
            ["-- Rispondi sopra questa riga --", "Impostazioni delle notifiche"],
            "Reply above this line",
        ),
        (
            "en",
            "New reply from support: Router keeps rebooting",
            ["-- Reply above this line --", "Notification settings"],
            "Rispondi sopra questa riga",
        ),
    ],
)
def test_a_ticket_reply_in_the_customers_language(
    language,
    subject,
    words,
    absent,
    alice,
    ada,
    open_ticket,
    queues,
    django_capture_on_commit_callbacks,
):
    alice.customer.language = language
    alice.customer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(alice, subject="Router keeps rebooting")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=ada, body="Please try a restart & <tell us>.")
    (message,) = [m for m in mail.outbox if m.to == [alice.email]]
    html = html_of(message)
    assert message.subject == f"[{ticket.number}] {subject}"
    assert message.extra_headers["Content-Language"] == language
    assert message.body.startswith(words[0])
    for part in (message.body, html):
        for word in words:
            assert word in part
        assert absent not in part
    assert "Please try a restart & <tell us>." in message.body
    assert "Please try a restart &amp; &lt;tell us&gt;." in html  # escaped in HTML
    assert "Auto-Submitted" not in message.extra_headers
    assert "List-Unsubscribe" not in message.extra_headers
