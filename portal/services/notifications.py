"""Sending notifications: in the portal and by email, each exactly once.

``notify`` runs inside the caller's transaction. For every recipient who wants the topic it
writes the in-portal ``Notification`` (and its ``web`` delivery, already sent) and an
``email`` ``NotificationDelivery`` (pending); both are unique per (event, recipient,
channel), so calling ``notify`` again for the same event adds nothing. After the transaction
commits, one background task (``portal.tasks.notifications_deliver``) sends the new emails.

**What a crash may repeat (the email guarantee).** Every email delivery goes through the same
steps, each committed on its own before the next one starts (``delivery_send`` for one,
``deliveries_send_batch`` for a batch through one mailer connection):

1. claim: ``pending`` -> ``sending`` with ``sending_since`` = now (a conditional UPDATE: a
   second worker or a retried task finds it claimed and skips it);
2. hand the one message to the mail backend;
3. ``sent`` (in a batch, in the same statement that claims the next message), or, if the
   mail server refused it, back to ``pending`` with the error (``failed`` after
   ``MAX_ATTEMPTS``) for ``notifications_send`` / the next run to retry.

So at any instant a sending worker has at most **one** delivery that may have reached the mail
server without being marked sent: the one in flight. If the worker dies (``kill -9``, the
machine, the database connection), every other delivery of its batch is either ``sent``
(never sent again) or ``pending`` (never handed over: sent later, once). The one left
``sending`` is recovered once it is ``SENDING_STALE`` old (by the task-lease pass that
``tick`` queues every minute, ``portal.tasks.tasks_recover_task``; or a later batch naming
it, or ``deliveries_send_pending``): the first time it is **sent once more**
(``resent_after_crash``; its recipient may get two copies), a second time it is marked
``failed`` ("may have arrived") and reported instead of being sent a third time.

Guarantee: a crash at any point of a send costs each recipient at most one extra copy of at
most the one message that was being handed to the mail server, and each delivery is sent at
most twice because of crashes. What this cannot cover is the mail protocol itself: a mail
server that accepts a message but fails before confirming it makes the send look refused, and
the retry may deliver it again (as with any SMTP client). On PostgreSQL these small commits do
not wait for the disk (``synchronous_commit = off`` for the batch, see
``portal.db.session.quick_commits``): a worker crash loses nothing, while a crash of the
database server itself may forget the marks of its last second or so, whose emails are then
sent again.
"""

from __future__ import annotations

import gc
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone, translation

from portal.db.bulk import datetime_adapter, insert_new
from portal.db.session import quick_commits
from portal.mail.compose import MailParts, notification_parts, settings_url
from portal.mail.prerender import NoticeRenderer
from portal.models import Notification, NotificationDelivery, User
from portal.services.memo import memoized

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
#: A delivery ``sending`` for longer than this was left by a worker that died while handing it
#: to the mail server (a live worker hands one message over within the mail server's timeouts).
SENDING_STALE = timedelta(minutes=1)
_emails_off: ContextVar[bool] = ContextVar("notification_emails_off", default=False)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk run (a fan-out, a batch of emails):
    tens of thousands of short-lived rows, freed by reference counting anyway, would
    otherwise trigger full collections of the worker's whole heap, a quarter or more of
    such a run's time (profiled). Cycles left meanwhile are collected after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def emails_suppressed() -> Iterator[None]:
    """No email deliveries inside this block (in-portal notifications are still written):
    for seeding demo data and bulk back-fills that must not mail real people."""
    token = _emails_off.set(True)
    try:
        yield
    finally:
        _emails_off.reset(token)


def emails_are_suppressed() -> bool:
    """True inside ``emails_suppressed()`` (for apps that queue emails of their own)."""
    return _emails_off.get()


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


def delivery_message_id(pk: int, event_key: str) -> str:
    """The Message-ID of email delivery ``pk``: stable (a retried send has the same one) and
    naming its event (``ticket:12:message:40`` -> ``<ticket.12.message.40.d345@example.com>``),
    so that a reply's In-Reply-To/References lead the intake service
    (``tickets.services.intake``) back to the ticket; the delivery row is the record of it."""
    local = re.sub(r"[^A-Za-z0-9-]+", ".", event_key).strip(".")[:100] or "notice"
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{local}.d{pk}@{domain}>"


_TICKET_EVENT = re.compile(r"^ticket:(\d+):")
THREAD_REFERENCES = 10  # References keeps the first Message-ID and the latest ones


def thread_message_ids(pk: int, event_key: str, recipient_id: int | None) -> list[str]:
    """The Message-IDs of the emails sent to the same recipient about the same ticket before
    delivery ``pk``, oldest first (at most ``THREAD_REFERENCES``: the first and the latest),
    so that a mail client threads a ticket's messages (In-Reply-To: the last; References)."""
    match = _TICKET_EVENT.match(event_key)
    if match is None or recipient_id is None:
        return []
    rows = NotificationDelivery.objects.filter(
        channel=NotificationDelivery.Channel.EMAIL,
        recipient_id=recipient_id,
        event_key__startswith=f"ticket:{match[1]}:",
        pk__lt=pk,
    ).order_by("pk")
    ids = [delivery_message_id(row_pk, key) for row_pk, key in rows.values_list("pk", "event_key")]
    return ids[:1] + ids[-(THREAD_REFERENCES - 1) :] if len(ids) > THREAD_REFERENCES else ids


#: The one kind of email that is a person's answer, not an automatic notice: no
#: ``Auto-Submitted`` or ``List-Unsubscribe`` (RFC 3834: it may be auto-replied to).
PERSONAL_KINDS = frozenset({"ticket.agent_reply"})


def _list_unsubscribe(language: str) -> str:
    """The ``List-Unsubscribe`` value: the notification settings page in ``language`` (a
    batch computes it once per language: activating a language costs more than the rest of
    an email's headers)."""
    with translation.override(language):
        return f"<{settings_url()}>"


def _headers(
    *,
    pk: int,
    event_key: str,
    kind: str,
    recipient_id: int | None,
    language: str,
    batch: bool,
    list_unsubscribe: str,
) -> dict[str, str]:
    """The headers of one email delivery, the same on the one-by-one and the batch path:
    the Message-ID (stable, naming the event; on the batch path only for ticket mails, the
    others keep a fresh one so that thousands of copies share one rendering), the thread of
    its ticket, its language, and, unless it is an agent's reply to the customer (a person's
    answer), ``Auto-Submitted`` and ``List-Unsubscribe`` (the notification settings page)."""
    headers = {"X-Portal-Event": event_key}
    if not batch or event_key.startswith("ticket:"):
        headers["Message-ID"] = delivery_message_id(pk, event_key)
    headers["Content-Language"] = language
    if kind not in PERSONAL_KINDS:
        headers["Auto-Submitted"] = "auto-generated"
        headers["List-Unsubscribe"] = list_unsubscribe
    chain = thread_message_ids(pk, event_key, recipient_id)
    if chain:
        headers["In-Reply-To"] = chain[-1]
        headers["References"] = " ".join(chain)
    return headers


def _language(delivery: NotificationDelivery) -> str:
    if delivery.recipient_id is None:
        return settings.LANGUAGE_CODE
    return language_for(delivery.recipient)


def mail_headers(delivery: NotificationDelivery) -> dict[str, str]:
    """The headers of one email delivery sent on its own (see ``_headers``)."""
    language = _language(delivery)
    return _headers(
        pk=delivery.pk,
        event_key=delivery.event_key,
        kind=delivery.kind,
        recipient_id=delivery.recipient_id,
        language=language,
        batch=False,
        list_unsubscribe=_list_unsubscribe(language),
    )


def mail_parts(delivery: NotificationDelivery) -> MailParts:
    """The text and HTML bodies (``portal.mail.compose``, in the recipient's language); a
    mail that can be answered starts with the "reply above this line" marker, where the
    intake cuts the quoted history."""
    return notification_parts(
        subject=delivery.subject,
        body=delivery.body,
        language=_language(delivery),
        replies=bool(delivery.reply_to),
    )


def _email_fields(
    *, to: str, reply_to: str, subject: str, parts: MailParts, headers: dict[str, str]
) -> dict:
    """The ``EmailMultiAlternatives`` arguments of one delivery, on both paths."""
    return {
        "subject": subject,
        "body": parts.text,
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "to": [to],
        "reply_to": [reply_to] if reply_to else None,
        "headers": headers,
        "alternatives": [(parts.html, "text/html")],
    }


def delivery_email(delivery: NotificationDelivery) -> EmailMultiAlternatives:
    """The email of one delivery as the one-by-one path sends it (multipart/alternative)."""
    return EmailMultiAlternatives(
        **_email_fields(
            to=delivery.to_address,
            reply_to=delivery.reply_to,
            subject=delivery.subject,
            parts=mail_parts(delivery),
            headers=mail_headers(delivery),
        )
    )


_NOTIFICATION_FIELDS = ["user", "kind", "event_key", "title", "body", "url", "created_at"]
_DELIVERY_FIELDS = [
    "event_key",
    "recipient",
    "channel",
    "kind",
    "status",
    "notification",
    "to_address",
    "reply_to",
    "subject",
    "body",
    "attempts",
    "last_error",
    "created_at",
    "sent_at",
]


@transaction.atomic(savepoint=False)
def notify(
    *,
    event_key: str,
    kind: str,
    topic: str,
    recipients: Iterable[User | None],
    content: Callable[[User], NotificationContent],
) -> NotifyResult:
    """Notify ``recipients`` of one event, each on the channels they chose for ``topic``
    (preferences ``web_<topic>`` and ``email_<topic>``). Idempotent per ``event_key``: the
    rows are written with ``INSERT ... ON CONFLICT DO NOTHING`` (``portal.db.bulk.insert_new``),
    one statement for the notifications and one for the deliveries (web and email; a
    savepoint and an insert per row before: 9 statements for an agent told on both channels,
    now 2; ``bench/mail_intake.py``), and only the rows actually inserted are returned and
    sent. No savepoint of its own: a failure fails the caller's transaction."""
    now = timezone.now()
    at = datetime_adapter(connection)(now)
    seen: set[int] = set()
    web_rows: list[tuple] = []
    email_rows: list[tuple] = []
    users: dict[int, User] = {}
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        web = user.wants(f"web_{topic}")
        email = user.wants(f"email_{topic}") and bool(user.email) and not _emails_off.get()
        if not (web or email):
            continue
        users[user.pk] = user
        language = memoized(("notify-language", user.pk), lambda user=user: language_for(user))
        with translation.override(language):
            message = content(user)
        if web:
            web_rows.append(
                (
                    user.pk,
                    kind,
                    event_key,
                    message.title[:200],
                    message.body[:500],
                    message.url[:300],
                    at,
                )
            )
        if email:
            body = message.body
            if message.url:
                body = f"{body}\n\n{_absolute(message.url)}"
            email_rows.append(
                (
                    event_key,
                    user.pk,
                    NotificationDelivery.Channel.EMAIL,
                    kind,
                    NotificationDelivery.Status.PENDING,
                    None,
                    user.email,
                    message.reply_to,
                    message.title[:250],
                    body,
                    0,
                    "",
                    at,
                    None,
                )
            )
    result = NotifyResult()
    deliveries: list[tuple] = []
    if web_rows:
        webs = {row[0]: row for row in web_rows}
        for pk, user_id in insert_new(Notification, _NOTIFICATION_FIELDS, web_rows, ["id", "user"]):
            _user, _kind, _key, title, body, url, _at = webs[user_id]
            notification = Notification(
                pk=pk,
                user=users[user_id],
                kind=kind,
                event_key=event_key,
                title=title,
                body=body,
                url=url,
                created_at=now,
            )
            notification._state.adding = False
            result.notifications.append(notification)
            deliveries.append(
                (event_key, user_id, "web", kind, "sent", pk, "", "", title, "", 0, "", at, at)
            )
    unread_changed({n.user_id for n in result.notifications})
    deliveries += email_rows
    emails = {row[1]: row for row in email_rows}
    for pk, user_id, channel in insert_new(
        NotificationDelivery, _DELIVERY_FIELDS, deliveries, ["id", "recipient", "channel"]
    ):
        if channel != NotificationDelivery.Channel.EMAIL:
            continue
        row = emails[user_id]
        delivery = NotificationDelivery(
            pk=pk,
            event_key=event_key,
            recipient=users[user_id],
            channel=NotificationDelivery.Channel.EMAIL,
            kind=kind,
            status=NotificationDelivery.Status.PENDING,
            to_address=row[6],
            reply_to=row[7],
            subject=row[8],
            body=row[9],
            created_at=now,
        )
        delivery._state.adding = False
        result.emails.append(delivery)
    if result.emails:
        ids = [delivery.pk for delivery in result.emails]
        transaction.on_commit(lambda: _enqueue(ids))
    return result


def _enqueue(ids: list[int]) -> None:
    from portal.tasks import deliveries_queue

    # On the queue of the task that notifies (bulk: batched and spread out, for surveys and
    # digests).
    deliveries_queue(ids)


def _hand_over(*, sent: int | None, claim: int | None) -> bool:
    """One committed statement: mark delivery ``sent`` as sent (it was ``sending``) and claim
    delivery ``claim`` (``pending`` -> ``sending``). True if ``claim`` is now this worker's."""
    table = connection.ops.quote_name(NotificationDelivery._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "  # noqa: S608 - the table name is ours, values are params
            "status = CASE WHEN id = %s THEN 'sending' ELSE 'sent' END, "
            "sending_since = CASE WHEN id = %s THEN %s ELSE sending_since END, "
            "attempts = CASE WHEN id = %s THEN attempts + 1 ELSE attempts END, "
            "sent_at = CASE WHEN id = %s THEN sent_at ELSE %s END, "
            "last_error = CASE WHEN id = %s THEN last_error ELSE '' END "
            "WHERE (id = %s AND status = 'sending') OR (id = %s AND status = 'pending') "
            "RETURNING id",
            [claim, claim, now, claim, claim, now, claim, sent, claim],
        )
        return claim is not None and any(row[0] == claim for row in cursor.fetchall())


def _refused(pk: int, exc: Exception) -> None:
    """The mail server refused delivery ``pk`` (it was ``sending``): pending again for a later
    retry, or failed after ``MAX_ATTEMPTS``."""
    NotificationDelivery.objects.filter(pk=pk, status=NotificationDelivery.Status.SENDING).update(
        status=Case(
            When(attempts__gte=MAX_ATTEMPTS, then=Value(NotificationDelivery.Status.FAILED)),
            default=Value(NotificationDelivery.Status.PENDING),
        ),
        last_error=f"{exc.__class__.__name__}: {exc}"[:300],
    )


def deliveries_recover(ids: Iterable[int] | None = None) -> dict[str, int]:
    """Deliveries left ``sending`` for ``SENDING_STALE`` by a worker that died (all of them, or
    those of ``ids``): pending again, to be sent once more, the first time; failed the second
    time (see the module's documentation). Returns how many of each."""
    stale = NotificationDelivery.objects.filter(
        channel=NotificationDelivery.Channel.EMAIL,
        status=NotificationDelivery.Status.SENDING,
        sending_since__lt=timezone.now() - SENDING_STALE,
    )
    if ids is not None:
        stale = stale.filter(pk__in=list(ids))
    with transaction.atomic():
        failed = stale.filter(resent_after_crash=True).update(
            status=NotificationDelivery.Status.FAILED,
            last_error="A worker stopped twice while handing this email to the mail server: "
            "not sent again (it may have arrived).",
        )
        resent = stale.filter(resent_after_crash=False).update(
            status=NotificationDelivery.Status.PENDING,
            resent_after_crash=True,
            last_error="A worker stopped while handing this email to the mail server: "
            "sent once more (it may arrive twice).",
        )
    if failed or resent:
        logger.warning(
            "Email deliveries left half-sent by a stopped worker: %d to be sent once more, "
            "%d failed after a second stop",
            resent,
            failed,
        )
    return {"resent": resent, "failed": failed}


def delivery_send(pk: int) -> bool:
    """Send one pending email delivery; True if this call sent it (claim, send, mark: each
    step committed on its own, see the module's documentation)."""
    deliveries_recover([pk])
    if not _hand_over(sent=None, claim=pk):
        return False
    delivery = NotificationDelivery.objects.select_related("recipient__customer").get(pk=pk)
    try:
        delivery_email(delivery).send()
    except Exception as exc:  # the mail server refused: record and retry later
        _refused(pk, exc)
        return False
    _hand_over(sent=pk, claim=None)
    return True


def deliveries_send_pending(*, limit: int = 1000) -> int:
    """Send (or retry) pending email deliveries, oldest first, after recovering those a
    stopped worker left half-sent; returns how many went out."""
    deliveries_recover()
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
    changed = unread.update(read_at=timezone.now())
    if changed:
        unread_changed({user.pk})
    return changed


# --- the unread count in every page's header --------------------------------------------------
UNREAD_SECONDS = 300


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user: User) -> int:
    """The user's unread notifications (the header's badge), kept in the cache per user until
    one of theirs is added or read (``unread_changed``), at most ``UNREAD_SECONDS``: a page
    kept by the signed-in page cache then depends on this user's count, not on every write
    to the notifications table (``portal.usercache``)."""
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.visible_to(user).unread().count()
        cache.set(key, count, UNREAD_SECONDS)
    return count


def unread_changed(user_ids: set[int]) -> None:
    """Drop the cached unread counts of ``user_ids`` once the writing transaction commits (a
    count read meanwhile from the old rows would otherwise be kept)."""
    if user_ids:
        keys = [_unread_key(user_id) for user_id in sorted(user_ids)]
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


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


# --- bulk: one event to many recipients (outage notices) -----------------------------------
@dataclass(frozen=True)
class BulkRecipient:
    """What ``notify_bulk`` needs of a recipient, read with ``values_list`` (no model rows)."""

    user_id: int
    email: str
    preferences: dict
    language: str
    customer_id: int | None = None


@dataclass
class BulkNotifyResult:
    web: set[int] = field(default_factory=set)  # users given a new in-portal notification
    emails: dict[int, int] = field(default_factory=dict)  # user id -> new email delivery id

    @property
    def told(self) -> set[int]:
        return self.web | set(self.emails)


def bulk_recipients(users) -> list[BulkRecipient]:
    """The active users of a ``User`` queryset as ``BulkRecipient`` (one query)."""
    rows = users.filter(is_active=True).values_list(
        "pk", "email", "notification_preferences", "customer__language", "customer__pk"
    )
    return [
        BulkRecipient(pk, email or "", preferences or {}, language or "", customer)
        for pk, email, preferences, language, customer in rows
    ]


def _wants(preferences: dict, key: str) -> bool:
    from portal.models.accounts import NOTIFICATION_DEFAULTS

    return bool(preferences.get(key, NOTIFICATION_DEFAULTS[key]))


@transaction.atomic
def notify_bulk(
    *,
    event_key: str,
    kind: str,
    topic: str,
    recipients: Iterable[BulkRecipient],
    content: Callable[[str], NotificationContent],
) -> BulkNotifyResult:
    """``notify`` for thousands of recipients at once: the same rows, preferences and
    exactly-once guarantee (unique per event, recipient and channel), written with a few
    multi-row INSERTs. ``content(language)`` is called once per language (inside
    ``translation.override``). After commit one ``notifications_deliver_batch`` task sends
    the new emails through one mailer connection."""
    now = timezone.now()
    at = datetime_adapter(connection)(now)
    messages: dict[str, NotificationContent] = {}

    def message_in(language: str) -> NotificationContent:
        language = language or settings.LANGUAGE_CODE
        if language not in messages:
            with translation.override(language):
                messages[language] = content(language)
        return messages[language]

    # Rows per language: within one, a notice's title and body are the same in every row
    # and go to the database once per statement (see ``portal.db.bulk.insert_new``).
    web_rows: dict[str, list[tuple]] = defaultdict(list)
    email_rows: dict[str, list[tuple]] = defaultdict(list)
    seen: set[int] = set()
    emails_off = _emails_off.get()
    default_language = settings.LANGUAGE_CODE
    bodies: dict[str, str] = {}
    for recipient in recipients:
        if recipient.user_id in seen:
            continue
        seen.add(recipient.user_id)
        language = recipient.language or default_language
        message = message_in(language)
        if _wants(recipient.preferences, f"web_{topic}"):
            web_rows[language].append(
                (
                    recipient.user_id,
                    kind,
                    event_key,
                    message.title[:200],
                    message.body[:500],
                    message.url[:300],
                    at,
                )
            )
        if recipient.email and not emails_off and _wants(recipient.preferences, f"email_{topic}"):
            body = bodies.get(language)
            if body is None:  # once per language
                body = message.body
                if message.url:
                    body = f"{body}\n\n{_absolute(message.url)}"
                bodies[language] = body
            email_rows[language].append(
                (
                    event_key,
                    recipient.user_id,
                    NotificationDelivery.Channel.EMAIL,
                    kind,
                    NotificationDelivery.Status.PENDING,
                    recipient.email,
                    message.reply_to,
                    message.title[:250],
                    body,
                    0,
                    "",
                    at,
                )
            )
    result = BulkNotifyResult()
    sent: list[tuple] = []
    for language in sorted(set(web_rows) | set(email_rows)):
        result.web |= _insert_web(event_key, kind, web_rows[language], at)
        sent += _insert_emails(email_rows[language])
    result.emails = {user_id: pk for pk, user_id in sent}
    if result.emails:
        ids = sorted(result.emails.values())
        transaction.on_commit(lambda: _enqueue_batch(ids))
    return result


def _insert_web(event_key: str, kind: str, rows: list[tuple], at) -> set[int]:
    """The in-portal notifications of ``rows`` that are new, and their ``web`` deliveries
    (already sent); returns the users given one."""
    created = insert_new(
        Notification,
        ["user", "kind", "event_key", "title", "body", "url", "created_at"],
        rows,
        ["id", "user"],
    )
    unread_changed({user_id for _pk, user_id in created})
    subjects = {row[0]: row[3] for row in rows}
    insert_new(
        NotificationDelivery,
        [
            "event_key",
            "recipient",
            "channel",
            "kind",
            "status",
            "notification",
            "subject",
            "to_address",
            "reply_to",
            "body",
            "attempts",
            "last_error",
            "created_at",
            "sent_at",
        ],
        [
            (event_key, user, "web", kind, "sent", pk, subjects[user], "", "", "", 0, "", at, at)
            for pk, user in created
        ],
        ["id"],
    )
    return {user_id for _, user_id in created}


def _insert_emails(rows: list[tuple]) -> list[tuple]:
    """The pending email deliveries of ``rows`` that are new: (id, recipient) of each."""
    return insert_new(
        NotificationDelivery,
        [
            "event_key",
            "recipient",
            "channel",
            "kind",
            "status",
            "to_address",
            "reply_to",
            "subject",
            "body",
            "attempts",
            "last_error",
            "created_at",
        ],
        rows,
        ["id", "recipient"],
    )


def _enqueue_batch(ids: list[int]) -> None:
    from portal.tasks import notifications_deliver_batch

    notifications_deliver_batch.enqueue(ids)


def deliveries_send_batch(ids: Iterable[int]) -> int:
    """Send many pending email deliveries through one mailer connection, each claimed,
    handed over and marked sent on its own (one committed statement per email: marking one
    sent claims the next), so a crash repeats at most the one in flight (see the module's
    documentation). A delivery another worker claimed is skipped; a refused one is pending
    again for a retry (failed after ``MAX_ATTEMPTS``). Returns how many went out."""
    from django.core.mail import mailers

    ids = list(ids)
    deliveries_recover(ids)
    rows = list(
        NotificationDelivery.objects.filter(
            pk__in=ids,
            channel=NotificationDelivery.Channel.EMAIL,
            status=NotificationDelivery.Status.PENDING,
        )
        .order_by("pk")
        .values_list(
            "pk",
            "event_key",
            "kind",
            "recipient_id",
            "recipient__customer__language",
            "to_address",
            "reply_to",
            "subject",
            "body",
        )
    )
    if not rows:
        return 0
    sent = 0
    renderer = NoticeRenderer()  # one MIME rendering per content, not per email
    parts_of: dict[tuple, MailParts] = {}  # one template rendering per content and language
    unsubscribe_of: dict[str, str] = {}  # List-Unsubscribe per language
    mailer = mailers.default
    default_language = settings.LANGUAGE_CODE
    with collector_paused(), quick_commits(), mailer:
        handed: int | None = None  # handed to the mail server, not yet marked sent
        for pk, event_key, kind, recipient_id, language, to, reply_to, subject, body in rows:
            claimed = _hand_over(sent=handed, claim=pk)
            handed = None
            if not claimed:  # another worker has it
                continue
            language = language or default_language
            content = (language, subject, body, bool(reply_to))
            parts = parts_of.get(content)
            if parts is None:
                parts = parts_of[content] = notification_parts(
                    subject=subject, body=body, language=language, replies=bool(reply_to)
                )
            list_unsubscribe = unsubscribe_of.get(language)
            if list_unsubscribe is None:
                list_unsubscribe = unsubscribe_of[language] = _list_unsubscribe(language)
            message = renderer.message(
                **_email_fields(
                    to=to,
                    reply_to=reply_to,
                    subject=subject,
                    parts=parts,
                    headers=_headers(
                        pk=pk,
                        event_key=event_key,
                        kind=kind,
                        recipient_id=recipient_id,
                        language=language,
                        batch=True,
                        list_unsubscribe=list_unsubscribe,
                    ),
                )
            )
            try:
                mailer.send_messages([message])
            except Exception as exc:  # the mail server refused this one: retry later
                _refused(pk, exc)
            else:
                handed = pk
                sent += 1
        if handed is not None:
            _hand_over(sent=handed, claim=None)
    return sent
