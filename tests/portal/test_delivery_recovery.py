"""The lease pass also sends again an email a killed worker left half-sent.

Found by ``bench/soak.py``: a worker SIGKILLed while sending an outage batch left one delivery
``sending``; the restarted worker (same id) put the batch task back at once, so it ran before
``SENDING_STALE`` and skipped that delivery, and nothing ran later: the recipient never got
the notice (or got it with the database saying "sending" for ever).
"""

from __future__ import annotations

from django.core import mail
from django.utils import timezone

from portal.models import NotificationDelivery, User
from portal.services import notifications
from portal.services.notifications import NotificationContent, bulk_recipients, notify_bulk
from portal.tasks import tasks_recover_task


def half_sent(since) -> NotificationDelivery:
    User.objects.create_user("r01@example.com", "pw-irrelevant-123")
    result = notify_bulk(
        event_key="outage:recovery-test",
        kind="outage",
        topic="outage_notices",
        recipients=bulk_recipients(User.objects.filter(email="r01@example.com")),
        content=lambda language: NotificationContent(
            title="Fibre outage in your area", body="We are on it.", url="/status/"
        ),
    )
    (pk,) = result.emails.values()
    NotificationDelivery.objects.filter(pk=pk).update(status="sending", sending_since=since)
    mail.outbox.clear()
    return NotificationDelivery.objects.get(pk=pk)


def test_the_lease_pass_sends_a_half_sent_email_once_more(db):
    delivery = half_sent(timezone.now() - notifications.SENDING_STALE * 2)
    result = tasks_recover_task.call()
    assert result["emails_half_sent"] == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.resent_after_crash
    assert [message.to for message in mail.outbox] == [["r01@example.com"]]
    # A second pass sends nothing more.
    assert "emails_half_sent" not in tasks_recover_task.call()
    assert len(mail.outbox) == 1


def test_the_lease_pass_leaves_an_email_a_live_worker_is_sending(db):
    delivery = half_sent(timezone.now())
    assert "emails_half_sent" not in tasks_recover_task.call()
    delivery.refresh_from_db()
    assert delivery.status == "sending"
    assert mail.outbox == []
