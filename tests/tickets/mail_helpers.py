"""Loading the mail corpus (tests/tickets/mail_corpus/) for a real ticket.

The corpus messages were written against ticket ``T-4242`` and the notification Message-IDs
``<ticket.4242.<event>.d<N>@example.com>``; ``load`` puts in the real ticket number and the
Message-ID of a notification we really sent, so threading is matched as in production.
"""

from __future__ import annotations

import re
from pathlib import Path

CORPUS = Path(__file__).parent / "mail_corpus"
_OUR_IDS = re.compile(rb"<ticket\.4242\.[a-z0-9.]+\.d\d+@example\.com>")


def load(name: str, *, ticket=None, message_id: str | None = None) -> bytes:
    raw = (CORPUS / name).read_bytes()
    if message_id is not None:
        raw = _OUR_IDS.sub(message_id.encode(), raw)
    if ticket is not None:
        raw = raw.replace(b"T-4242", f"T-{ticket.pk}".encode())
        raw = raw.replace(b"/tickets/4242/", f"/tickets/{ticket.pk}/".encode())
    return raw


def sent_message_id(ticket) -> str:
    """The Message-ID of the last notification email we sent about ``ticket``."""
    from portal.models import NotificationDelivery
    from portal.services.notifications import delivery_message_id

    delivery = (
        NotificationDelivery.objects.filter(
            channel="email", event_key__startswith=f"ticket:{ticket.pk}:"
        )
        .order_by("-pk")
        .first()
    )
    assert delivery is not None, "no notification email was sent about the ticket"
    return delivery_message_id(delivery.pk, delivery.event_key)


def compose(
    *,
    sender: str,
    to: str = "support@example.com",
    subject: str = "Hello",
    body: str = "A question.",
    message_id: str | None = "<compose-1@client.example.org>",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A plain one-part message (for the cases the corpus does not need to spell out)."""
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\n".join(lines).encode()
