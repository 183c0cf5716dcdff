"""Notification emails are multipart/alternative, text and HTML from one template
(``portal.mail.compose``): the portal's look in HTML (inline styles, a table, no images, no
outside resources), the "reply above this line" marker in both parts where replies are
accepted, a footer with the notification settings link, in the recipient's language (dates
too); the same on the one-by-one path and the batch (pre-rendered) path, where a person's reply
carries neither Auto-Submitted nor List-Unsubscribe and every other email both."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats

from portal.mail.compose import notification_parts
from portal.models import NotificationDelivery
from portal.services.notifications import (
    NotificationContent,
    deliveries_send_batch,
    delivery_send,
    notify,
)


def html_of(message) -> str:
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def send(recipients, *, key="event:1", kind="test", reply_to="support+T-1@example.com"):
    def content(user) -> NotificationContent:
        return NotificationContent(
            title="Your <router> & you",
            body=f"Hello {user.get_short_name()} <b>there</b>.\n\nSee you on "
            f"{formats.date_format(date(2026, 12, 6), 'DATE_FORMAT')}.",
            url="/tickets/",
            reply_to=reply_to,
        )

    return notify(
        event_key=key, kind=kind, topic="ticket_updates", recipients=recipients, content=content
    )


def italian(user):
    user.customer.language = "it"
    user.customer.save(update_fields=["language"])
    return user


def test_one_by_one_email_is_multipart_text_and_html(alice, settings):
    result = send([alice])
    assert delivery_send(result.emails[0].pk) is True
    (message,) = mail.outbox
    html = html_of(message)
    mime = message.message()
    assert mime.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mime.iter_parts()] == ["text/plain", "text/html"]
    link = f"{settings.SITE_URL}/tickets/"
    settings_link = f"{settings.SITE_URL}{reverse('portal:notification_settings')}"
    for part in (message.body, html):  # the same words in both parts
        assert "-- Reply above this line --" in part
        assert "Open in the portal" in part
        assert "You receive this email because of your notification settings" in part
        assert "Notification settings" in part and settings_link in part
        assert link in part
        assert "6 Dec 2026" in part
    assert message.body.startswith("-- Reply above this line --\n\nHello Alice <b>there</b>.")
    assert f"Open in the portal: {link}" in message.body
    # the HTML: escaped, the portal's brand colour, a table layout, inline styles only, no
    # images or anything fetched from outside
    assert "Hello Alice &lt;b&gt;there&lt;/b&gt;." in html
    assert "Your &lt;router&gt; &amp; you" in html
    assert f'href="{link}"' in html and f'href="{settings_link}"' in html
    assert "#1d4ed8" in html and '<table role="presentation"' in html
    assert not re.search(r"<(img|style|link|script)\b|\bsrc=|url\(|class=", html)
    assert re.findall(r"<(?:td|p|h1|a|div|body)\b(?![^>]*style=)[^>]*>", html) == [
        "<p>",
        "<p>",
    ]  # only the body's own paragraphs (linebreaks) go unstyled, inheriting the div's style


def test_no_marker_where_replies_are_not_taken():
    parts = notification_parts(subject="S", body="Text.", language="en", replies=False)
    assert "Reply above this line" not in parts.text + parts.html
    assert parts.text.startswith("Text.")
    assert "Open in the portal" not in parts.text + parts.html  # no link, no button
    elsewhere = notification_parts(
        subject="S", body="Text.\n\nhttps://elsewhere.example/x", language="en", replies=False
    )
    assert "Open in the portal" not in elsewhere.text + elsewhere.html  # not the portal's
    assert "Text.\n\nhttps://elsewhere.example/x" in elsewhere.text


def test_in_the_recipients_language_subject_parts_and_dates(alice, bob):
    italian(alice)
    result = send([alice, bob])
    for delivery in result.emails:
        delivery_send(delivery.pk)
    it = next(m for m in mail.outbox if m.to == [alice.email])
    en = next(m for m in mail.outbox if m.to == [bob.email])
    assert it.extra_headers["Content-Language"] == "it"
    assert en.extra_headers["Content-Language"] == "en"
    for part in (it.body, html_of(it)):
        assert "-- Rispondi sopra questa riga --" in part
        assert "Impostazioni delle notifiche" in part
        assert "6 dic 2026" in part
        assert "Notification settings" not in part
    for part in (en.body, html_of(en)):
        assert "-- Reply above this line --" in part and "6 Dec 2026" in part
    assert 'lang="it"' in html_of(it) and 'lang="en"' in html_of(en)


@pytest.mark.parametrize(
    ("kind", "automatic"), [("ticket.agent_reply", False), ("ticket.status", True), ("x", True)]
)
def test_batch_path_marks_every_email_but_a_persons_reply(alice, bob, carol, kind, automatic):
    italian(bob)
    key = "ticket:9:message:3" if kind.startswith("ticket.") else "survey:1"
    result = send([alice, bob, carol], key=key, kind=kind)
    assert deliveries_send_batch([d.pk for d in result.emails]) == 3
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        headers = message.extra_headers
        assert ("Auto-Submitted" in headers) is automatic
        assert ("List-Unsubscribe" in headers) is automatic
        if automatic:
            assert headers["Auto-Submitted"] == "auto-generated"
            assert headers["List-Unsubscribe"].endswith(
                f"{reverse('portal:notification_settings')}>"
            )
        marker = (
            "-- Rispondi sopra questa riga --"
            if message.to == [bob.email]
            else "-- Reply above this line --"
        )
        assert message.body.startswith(marker) and marker in html_of(message)
        assert message.message().get_content_type() == "multipart/alternative"
    assert NotificationDelivery.objects.filter(channel="email", status="sent").count() == 3


def test_batch_and_one_by_one_build_the_same_parts(alice, bob):
    """The batch renders each content once per language: two recipients in one language get
    the very same parts as the one-by-one path would build."""
    result = send([alice, bob], reply_to="")
    deliveries_send_batch([d.pk for d in result.emails])
    from portal.services.notifications import delivery_email

    for delivery in NotificationDelivery.objects.filter(channel="email"):
        alone = delivery_email(delivery)
        (batched,) = [m for m in mail.outbox if m.to == [delivery.to_address]]
        assert batched.body == alone.body
        assert html_of(batched) == html_of(alone)
        assert "Reply above this line" not in batched.body
