"""The generic notification service and the /me/notifications/ pages.

Exactly once: a unique delivery row per (event, recipient, channel); sending marks it sent
under a row lock, so retries, repeated calls and concurrent workers send one email."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.urls import reverse

from portal.models import Notification, NotificationDelivery, User
from portal.services.notifications import (
    NotificationContent,
    deliveries_send_pending,
    delivery_send,
    notification_preferences_update,
    notify,
)
from portal.tasks import notifications_deliver


def content(user) -> NotificationContent:
    return NotificationContent(
        title=f"Hello {user.get_short_name()}",
        body="Something happened.",
        url="/tickets/",
        reply_to="support+T-1@example.com",
    )


def send(recipients, key="event:1"):
    return notify(
        event_key=key, kind="test", topic="ticket_updates", recipients=recipients, content=content
    )


def test_notify_writes_one_row_per_channel_and_is_idempotent(
    alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = send([alice, bob, alice, None])
        again = send([alice, bob])
    assert len(first.notifications) == 2 and len(first.emails) == 2
    assert again.notifications == [] and again.emails == []
    assert NotificationDelivery.objects.filter(channel="email", status="sent").count() == 2
    assert NotificationDelivery.objects.filter(channel="web").count() == 2
    assert sorted(e.to[0] for e in mail.outbox) == ["alice@example.com", "bob@example.com"]
    assert mail.outbox[0].reply_to == ["support+T-1@example.com"]
    assert "http://127.0.0.1:8000/tickets/" in mail.outbox[0].body


def test_retried_task_sends_nothing_twice(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        result = send([alice])
    ids = [delivery.pk for delivery in result.emails]
    assert notifications_deliver.call(ids) == {"sent": 1, "skipped": 0}
    assert notifications_deliver.call(ids) == {"sent": 0, "skipped": 1}
    assert delivery_send(ids[0]) is False
    assert deliveries_send_pending() == 0
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_is_retried_later(alice, monkeypatch):
    from django.core.mail import EmailMessage

    result = send([alice])
    original = EmailMessage.send

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    assert delivery_send(result.emails[0].pk) is False
    delivery = NotificationDelivery.objects.get(channel="email")
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "smtp down" in delivery.last_error
    monkeypatch.setattr(EmailMessage, "send", original)
    assert deliveries_send_pending() == 1
    assert deliveries_send_pending() == 0
    assert len(mail.outbox) == 1


def test_gives_up_after_max_attempts(alice, monkeypatch):
    from django.core.mail import EmailMessage

    from portal.services import notifications

    result = send([alice])
    monkeypatch.setattr(EmailMessage, "send", lambda self: 1 / 0)
    for _ in range(notifications.MAX_ATTEMPTS):
        delivery_send(result.emails[0].pk)
    assert NotificationDelivery.objects.get(channel="email").status == "failed"


def test_inactive_users_and_opted_out_users_get_nothing(alice, bob):
    bob.is_active = False
    notification_preferences_update(
        user=alice, preferences={"email_ticket_updates": False, "web_ticket_updates": False}
    )
    result = send([alice, bob])
    assert result.notifications == [] and result.emails == []


def test_unknown_preferences_are_refused(alice):
    with pytest.raises(ValueError, match="unknown notification preferences: nope"):
        notification_preferences_update(user=alice, preferences={"nope": True})


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_send_once(monkeypatch):
    """Two workers pick up the same delivery at once: one email (threads on PostgreSQL;
    sequential on SQLite, which serialises writers anyway)."""
    from portal.services import notifications

    monkeypatch.setattr(notifications, "_enqueue", lambda ids: None)  # the workers send it
    user = User.objects.create_user("race@example.com", "pw-irrelevant-123")
    delivery = send([user], key="race:1").emails[0]
    results: list[bool] = []
    barrier = threading.Barrier(2 if connection.vendor == "postgresql" else 1)

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(delivery_send(delivery.pk))
        finally:
            connections.close_all()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        worker()
        worker()
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1


# --- pages ---------------------------------------------------------------------------------------
def test_list_open_and_mark_read(client_for, alice, bob):
    send([alice])
    notification = Notification.objects.get(user=alice)
    client = client_for(alice)
    html = client.get(reverse("portal:notifications")).content.decode()
    assert "Hello Alice" in html and "is-unread" in html
    assert 'class="menu-count">1' in html  # the header's unread count
    response = client.get(reverse("portal:notification_open", args=[notification.pk]))
    assert response["Location"] == "/tickets/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    # someone else's notification is a 404
    assert (
        client_for(bob).get(reverse("portal:notification_open", args=[notification.pk])).status_code
        == 404
    )


def test_mark_all_read(client_for, alice):
    send([alice], key="a")
    send([alice], key="b")
    client_for(alice).post(reverse("portal:notifications_read"))
    assert not Notification.objects.unread().exists()


def test_external_links_are_not_followed(client_for, alice):
    notification = Notification.objects.create(
        user=alice, kind="x", event_key="x", title="x", url="https://evil.example/"
    )
    response = client_for(alice).get(reverse("portal:notification_open", args=[notification.pk]))
    assert response["Location"] == reverse("portal:notifications")


def test_settings_form_shows_the_right_topics_and_saves(client_for, alice, ada):
    client = client_for(alice)
    html = client.get(reverse("portal:notification_settings")).content.decode()
    assert 'name="email_ticket_updates"' in html and 'name="web_ticket_updates"' in html
    assert "desk_new_tickets" not in html
    client.post(reverse("portal:notification_settings"), {"web_ticket_updates": "on"})
    alice.refresh_from_db()
    assert alice.wants("web_ticket_updates") is True
    assert alice.wants("email_ticket_updates") is False
    html = client_for(ada).get(reverse("portal:notification_settings")).content.decode()
    assert 'name="email_desk_new_tickets"' in html
    assert "ticket_updates" not in html.replace("desk_", "")  # no customer record


def test_profile_form_keeps_the_other_preferences(client_for, alice):
    notification_preferences_update(user=alice, preferences={"web_ticket_updates": False})
    client_for(alice).post(
        reverse("portal:me"),
        {"full_name": "Alice", "language": "en", "email_ticket_updates": "on"},
    )
    alice.refresh_from_db()
    assert alice.wants("web_ticket_updates") is False
    assert alice.wants("email_ticket_updates") is True


def test_me_links_to_notifications(client_for, alice):
    send([alice])
    html = client_for(alice).get(reverse("portal:me")).content.decode()
    assert reverse("portal:notification_settings") in html
    assert "Hello Alice" in html


def test_the_unread_count_is_kept_per_user_until_one_of_theirs_is_added_or_read(
    alice, bob, committing, django_assert_num_queries
):
    from django.core.cache import cache

    from portal.services.notifications import notifications_mark_read, unread_count

    cache.clear()
    assert unread_count(alice) == 0
    with django_assert_num_queries(0):
        assert unread_count(alice) == 0  # kept
    with committing():
        send([alice, bob])
    assert (unread_count(alice), unread_count(bob)) == (1, 1)
    with committing():
        send([bob], key="event:2")
    with django_assert_num_queries(0):
        assert unread_count(alice) == 1  # bob's notification left alice's count alone
    assert unread_count(bob) == 2
    with committing():
        notifications_mark_read(user=bob)
    assert (unread_count(alice), unread_count(bob)) == (1, 0)
