"""Sending notifications: in the portal and by email, each exactly once.

``notify`` runs inside the caller's transaction. For every recipient who wants the topic it
writes the in-portal ``Notification`` (and its ``web`` delivery, already sent) and an
``email`` ``NotificationDelivery`` (pending); both are unique per (event, recipient,
channel), so calling ``notify`` again for the same event adds nothing. After the transaction
commits, one background task (``portal.tasks.notifications_deliver``) sends the new emails.

``delivery_send`` sends one email delivery with its row locked and marks it sent in the same
transaction: a second run (a retried task, two workers) finds it sent and does nothing. The
only window for a duplicate is a crash between the mail server accepting the message and the
commit (at-least-once at the SMTP boundary, as with any mail system).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from portal.models import Notification, NotificationDelivery, User

MAX_ATTEMPTS = 5
_emails_off: ContextVar[bool] = ContextVar("notification_emails_off", default=False)


@contextmanager
def emails_suppressed() -> Iterator[None]:
    """No email deliveries inside this block (in-portal notifications are still written):
    for seeding demo data and bulk back-fills that must not mail real people."""
    token = _emails_off.set(True)
    try:
        yield
    finally:
        _emails_off.reset(token)


@dataclass(frozen=True)
class NotificationContent:
    """What one recipient gets (built in their language)."""

    title: str  # the in-portal title and the email subject
    body: str  # plain text: the email body; its start is the in-portal excerpt
    url: str = ""  # a path in the portal (made absolute in the email)
    reply_to: str = ""


@dataclass
class NotifyResult:
    notifications: list[Notification] = field(default_factory=list)
    emails: list[NotificationDelivery] = field(default_factory=list)


def language_for(user: User) -> str:
    customer = getattr(user, "customer", None)
    return getattr(customer, "language", "") or settings.LANGUAGE_CODE


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def _create(model, **fields):
    """Insert a row that may already exist (unique key): the new row, or None."""
    try:
        with transaction.atomic():
            return model.objects.create(**fields)
    except IntegrityError:
        return None


@transaction.atomic
def notify(
    *,
    event_key: str,
    kind: str,
    topic: str,
    recipients: Iterable[User | None],
    content: Callable[[User], NotificationContent],
) -> NotifyResult:
    """Notify ``recipients`` of one event, each on the channels they chose for ``topic``
    (preferences ``web_<topic>`` and ``email_<topic>``). Idempotent per ``event_key``."""
    result = NotifyResult()
    now = timezone.now()
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        web = user.wants(f"web_{topic}")
        email = user.wants(f"email_{topic}") and bool(user.email) and not _emails_off.get()
        if not (web or email):
            continue
        with translation.override(language_for(user)):
            message = content(user)
        if web:
            notification = _create(
                Notification,
                user=user,
                kind=kind,
                event_key=event_key,
                title=message.title[:200],
                body=message.body[:500],
                url=message.url[:300],
                created_at=now,
            )
            if notification is not None:
                result.notifications.append(notification)
                _create(
                    NotificationDelivery,
                    event_key=event_key,
                    recipient=user,
                    channel=NotificationDelivery.Channel.WEB,
                    kind=kind,
                    status=NotificationDelivery.Status.SENT,
                    notification=notification,
                    subject=message.title[:250],
                    created_at=now,
                    sent_at=now,
                )
        if email:
            body = message.body
            if message.url:
                body = f"{body}\n\n{_absolute(message.url)}"
            delivery = _create(
                NotificationDelivery,
                event_key=event_key,
                recipient=user,
                channel=NotificationDelivery.Channel.EMAIL,
                kind=kind,
                to_address=user.email,
                reply_to=message.reply_to,
                subject=message.title[:250],
                body=body,
                created_at=now,
            )
            if delivery is not None:
                result.emails.append(delivery)
    if result.emails:
        ids = [delivery.pk for delivery in result.emails]
        transaction.on_commit(lambda: _enqueue(ids))
    return result


def _enqueue(ids: list[int]) -> None:
    from portal.tasks import notifications_deliver

    notifications_deliver.enqueue(ids)


def delivery_send(pk: int) -> bool:
    """Send one pending email delivery; True if this call sent it."""
    with transaction.atomic():
        delivery = (
            NotificationDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                pk=pk,
                channel=NotificationDelivery.Channel.EMAIL,
                status=NotificationDelivery.Status.PENDING,
            )
            .first()
        )
        if delivery is None:
            return False
        delivery.attempts += 1
        try:
            EmailMessage(
                subject=delivery.subject,
                body=delivery.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[delivery.to_address],
                reply_to=[delivery.reply_to] if delivery.reply_to else None,
                headers={"Auto-Submitted": "auto-generated", "X-Portal-Event": delivery.event_key},
            ).send()
        except Exception as exc:  # the mail server refused: record and retry later
            delivery.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = NotificationDelivery.Status.FAILED
            delivery.save(update_fields=["attempts", "last_error", "status"])
            return False
        delivery.status = NotificationDelivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return True


def deliveries_send_pending(*, limit: int = 1000) -> int:
    """Send (or retry) pending email deliveries, oldest first; returns how many went out."""
    pending = NotificationDelivery.objects.filter(
        channel=NotificationDelivery.Channel.EMAIL, status=NotificationDelivery.Status.PENDING
    ).order_by("created_at")
    return sum(delivery_send(pk) for pk in pending.values_list("pk", flat=True)[:limit])


@transaction.atomic
def notifications_mark_read(*, user: User, notification: Notification | None = None) -> int:
    """Mark one notification (or all of the user's) as read; returns how many changed."""
    unread = Notification.objects.visible_to(user).unread()
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def notification_preferences_update(*, user: User, preferences: dict[str, bool]) -> User:
    """Change some of the user's notification preferences (the others stay as they were)."""
    from portal.models.accounts import NOTIFICATION_DEFAULTS

    unknown = set(preferences) - set(NOTIFICATION_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown notification preferences: {', '.join(sorted(unknown))}")
    user.notification_preferences = {
        key: bool(preferences.get(key, user.wants(key))) for key in NOTIFICATION_DEFAULTS
    }
    user.save(update_fields=["notification_preferences"])
    return user
