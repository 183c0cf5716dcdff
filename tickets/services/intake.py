"""The email channel's one way in: ``mail_intake`` takes one RFC 5322 message (bytes) and
decides what it is. ``mail_receive`` (an MTA pipe), ``mail_fetch`` (IMAP) and the inbound
webhook (email service providers through django-anymail) all call it.

**Kept, exactly once.** The message is first stored whole (``InboundMessage.raw``) under a
unique key, its Message-ID (or a SHA-256 of the bytes when it has none), and that row is
committed before anything else happens: the same message delivered twice is one row and is
processed once; a message whose processing fails (unreadable MIME, a bug) stays ``failed``
with the error, and an admin retries it (``inbound_retry``, Wagtail admin > Support desk >
Inbound emails). A database that is down raises (``mail_receive`` exits EX_TEMPFAIL, the
webhook answers 5xx) so the sender's mail server delivers it again later. This function is
therefore not one transaction: storing and processing are two (processing is atomic).
``intake_many`` takes many messages (``mail_receive --mbox/--maildir``) the same way a chunk
at a time: one transaction stores a chunk, one processes it with a savepoint per message
(each message still exactly once; see its documentation and bench/mail_intake.py).

**What a message is** (processing, in this order):

1. our own notification coming back (our Message-ID, ``X-Portal-Event``, from one of our
   addresses), an auto-reply or a bounce: ignored and recorded;
2. more than ``EMAIL_INBOUND_FLOOD_PER_MINUTE`` messages from its sender (not an agent) in
   the last minute: ignored (loop and flood protection);
3. a reply to a ticket, found by the plus address (``support+T-123@``), else by
   ``In-Reply-To``/``References`` against the Message-IDs of the notifications we sent
   (``portal.services.notifications.delivery_message_id``) and of messages we took in, else
   by ``[T-123]`` in the subject. A merged ticket's reply goes to the ticket it was merged
   into; a reply to a ticket that can no longer be reopened opens a new one;
4. from an agent: a public reply on that ticket, an internal note when the first line is
   ``#note``; an agent's mail that is no reply is refused;
5. from the requester, or a colleague where the organisation shares tickets: a customer reply
   (``ticket_reply``: reopens, ends "waiting on customer", the SLA clock as for the portal);
   from anyone else (another customer, a spoofed From, a failed DMARC check by our mail
   server): never that ticket; a new ticket of their own or refused
   (``EMAIL_INBOUND_FOREIGN_REPLY``);
6. otherwise a new ticket (``ticket_open``) in the queue of the address it was sent to
   (``InboundAddress``; else the default queue), from a known customer, or from an unknown
   sender for whom a customer (no login) is created, or refused
   (``EMAIL_INBOUND_UNKNOWN_SENDER``).

The body is the reply without quoted history and signature (``tickets.email.text``); files go
through the web form's checks (``portal.uploads``): refused ones are listed at the end of
the message for the agent, and the sender gets one explanation email for all of them. Every
accepted message is an interaction on the email channel (the ticket services record it).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from itertools import islice

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Count, F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import roles
from portal.models import Channel, Customer, NotificationDelivery, User
from portal.services.errors import ServiceError
from portal.services.helpers import now_or
from portal.services.memo import run_memo
from portal.uploads import upload_check
from tickets.email import MailPart, ParsedMail, parse_message
from tickets.email.parse import read_headers
from tickets.models import DONE_STATUSES, InboundAddress, InboundMessage, Queue, Ticket
from tickets.services.common import MESSAGE_MAX, SUBJECT_MAX
from tickets.services.errors import TicketError
from tickets.services.workflow import queue_for, ticket_note, ticket_open, ticket_reply

logger = logging.getLogger(__name__)

State = InboundMessage.State
Reason = InboundMessage.Reason

_PLUS = re.compile(r"^(?P<local>[^+@\s]+)\+T-(?P<number>\d{1,18})@(?P<domain>[^@\s]+)$", re.I)
_SUBJECT_NUMBER = re.compile(r"\[T-(\d{1,18})\]", re.I)
_OUR_ID = re.compile(
    r"^ticket\.(?P<ticket>\d{1,18})\.[^@]*\.d(?P<delivery>\d{1,18})@(?P<domain>.+)$"
)
_NOTE = re.compile(r"^\s*#note\b[ \t]*", re.I)
_DMARC_FAIL = re.compile(r"\bdmarc\s*=\s*fail\b", re.I)
MERGE_HOPS = 10


class IntakeError(ServiceError):
    """The message cannot be taken in at all (empty, too large): nothing is stored."""


@dataclass(frozen=True)
class IntakeResult:
    inbound: InboundMessage
    duplicate: bool  # delivered before: nothing new happened

    @property
    def state(self) -> str:
        return self.inbound.state


@dataclass
class _Outcome:
    state: str
    reason: str
    detail: str = ""
    ticket: Ticket | None = None
    message: object | None = None
    refused: list[dict] | None = None  # attachments not accepted: name and reason


# --- storing ---------------------------------------------------------------------------------
def _new_row(
    raw: bytes, *, envelope_to: str, envelope_from: str | None, source: str, now: datetime
) -> InboundMessage:
    """The message's row, not saved, without its file (``_keep``). Reads the header block."""
    summary = read_headers(raw)
    inbound = InboundMessage(
        dedup_key=summary.key,
        message_id=summary.message_id[:255],
        size=len(raw),
        source=source[:40],
        from_address=summary.from_address[:320],
        to_address=(envelope_to or summary.to_address)[:320],
        envelope_to=(envelope_to or "")[:320],
        envelope_from=(envelope_from or "<>")[:320] if envelope_from is not None else "",
        subject=summary.subject[:300],
        received_at=now,
    )
    return inbound


def _keep(inbound: InboundMessage, raw: bytes) -> None:
    """Write the message's bytes to storage (``InboundMessage.raw``), before its row is saved."""
    inbound.raw.save("message.eml", ContentFile(raw), save=False)


def _store(
    raw: bytes, *, envelope_to: str, envelope_from: str | None, source: str, now: datetime
) -> tuple[InboundMessage, bool]:
    """The message's row (new and committed, or the one already there) and whether it is new."""
    inbound = _new_row(
        raw, envelope_to=envelope_to, envelope_from=envelope_from, source=source, now=now
    )
    existing = InboundMessage.objects.filter(dedup_key=inbound.dedup_key).first()
    if existing is not None:
        return existing, False
    _keep(inbound, raw)
    try:
        with transaction.atomic():
            inbound.save()
    except IntegrityError:  # the same message, stored by a concurrent delivery
        inbound.raw.delete(save=False)
        return InboundMessage.objects.get(dedup_key=inbound.dedup_key), False
    return inbound, True


# --- the way in --------------------------------------------------------------------------------
def _refusal(raw: bytes) -> IntakeError | None:
    if not raw or not raw.strip():
        return IntakeError(_("The message is empty."), status=400)
    if len(raw) > settings.EMAIL_INBOUND_MAX_BYTES:
        return IntakeError(_("The message is too large."), status=413)
    return None


def mail_intake(
    *,
    raw: bytes,
    envelope_to: str | None = None,
    envelope_from: str | None = None,
    source: str = "pipe",
    now: datetime | None = None,
) -> IntakeResult:
    """Take in one message (see the module's documentation). ``envelope_to``: the address the
    mail server delivered it to (an MTA's ``$recipient``, a provider's envelope), which wins
    over the headers for the plus address and the queue; ``envelope_from``: the envelope
    sender when known ("" is the null sender of bounces). Raises ``IntakeError`` for an empty
    or too large message, a database error when the message could not be stored."""
    if now is not None and timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    now = now or timezone.now()
    refusal = _refusal(raw)
    if refusal is not None:
        raise refusal
    inbound, created = _store(
        raw,
        envelope_to=(envelope_to or "").strip().lower(),
        envelope_from=envelope_from.strip().lower() if envelope_from is not None else None,
        source=source,
        now=now,
    )
    if not created and inbound.state != State.RECEIVED:
        return IntakeResult(inbound=inbound, duplicate=True)
    # new, or stored by a delivery that stopped before processing it: process (once)
    return IntakeResult(inbound=_process(inbound.pk, now=now), duplicate=not created)


#: Messages taken in together by ``intake_many``: stored in one transaction, processed in one.
INTAKE_CHUNK = 50


def intake_many(
    messages: Iterable[bytes],
    *,
    source: str = "batch",
    chunk: int = INTAKE_CHUNK,
    now: datetime | None = None,
) -> Iterator[IntakeResult | IntakeError]:
    """Take in many messages (an mbox, a maildir, a mailbox's new mail): for each, in order,
    what ``mail_intake`` would return, or the ``IntakeError`` it would raise (empty, too
    large). Each message is decided exactly as by ``mail_intake``, and is still its own unit of
    exactly once; what the messages of a chunk (``chunk`` of them) share:

    - storing: one query finds those delivered before, one transaction inserts the new rows
      (files first), committed before any is processed (as one by one; a concurrent delivery
      of the same message makes the chunk fall back to one by one);
    - processing: one transaction with a savepoint per message (a message that fails is rolled
      back to its savepoint and kept ``failed``, the others go on), the look-ups that do not
      change while mail comes in read once (our addresses, the queues by address, the default
      queue), the rows locked with one query. A chunk's results are yielded after its commit.

    A crash (the process killed, the database gone) loses nothing and takes nothing twice:
    the messages of the chunk being processed are stored and ``received``, and the next
    delivery of any of them (the same mailbox or file read again) processes it, once.

    Lazy: memory is bounded by ``chunk``, whatever ``messages`` holds. A database error
    raises (the messages not yet yielded are to be delivered again)."""
    if now is not None and timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    if chunk < 1:
        raise ValueError("chunk must be positive")
    pending = iter(messages)
    while raws := list(islice(pending, chunk)):
        yield from _intake_chunk(raws, source=source, now=now)


@dataclass
class _Item:
    raw: bytes
    inbound: InboundMessage | None = None
    created: bool = False  # its row was stored by this chunk (first of its key)
    error: IntakeError | None = None
    result: IntakeResult | None = None


def _intake_chunk(
    raws: list[bytes], *, source: str, now: datetime | None
) -> list[IntakeResult | IntakeError]:
    items = [_Item(raw=raw, error=_refusal(raw)) for raw in raws]
    _store_chunk([item for item in items if item.error is None], source=source, now=now)
    todo = [item for item in items if item.error is None and item.result is None]
    if todo:
        _process_chunk(todo, now=now)
    return [item.error or item.result for item in items]


def _store_chunk(items: list[_Item], *, source: str, now: datetime | None) -> None:
    """Store the chunk's new messages in one transaction; set each item's row (a message
    twice in the chunk: both items share the first one's row)."""
    rows = [
        _new_row(item.raw, envelope_to="", envelope_from=None, source=source, now=now_or(now))
        for item in items
    ]
    keys = {row.dedup_key for row in rows}
    existing = {row.dedup_key: row for row in InboundMessage.objects.filter(dedup_key__in=keys)}
    first: dict[str, _Item] = {}
    repeats: list[tuple[_Item, str]] = []
    for item, row in zip(items, rows, strict=True):
        key = row.dedup_key
        if key in existing:
            item.inbound = existing[key]
            if item.inbound.state != State.RECEIVED:
                item.result = IntakeResult(inbound=item.inbound, duplicate=True)
        elif key in first:
            repeats.append((item, key))
        else:
            item.inbound, item.created = row, True
            first[key] = item
    new = list(first.values())
    for item in new:
        _keep(item.inbound, item.raw)
    try:
        with transaction.atomic():
            InboundMessage.objects.bulk_create([item.inbound for item in new])
    except BaseException as exc:
        for item in new:  # no row: no file either
            item.inbound.raw.delete(save=False)
        if not isinstance(exc, IntegrityError):
            raise
        # a concurrent delivery of one of them: one by one, as usual
        for item in new:
            item.inbound, item.created = _store(
                item.raw, envelope_to="", envelope_from=None, source=source, now=now_or(now)
            )
            if not item.created and item.inbound.state != State.RECEIVED:
                item.result = IntakeResult(inbound=item.inbound, duplicate=True)
    for item, key in repeats:
        item.inbound = first[key].inbound


def _process_chunk(items: list[_Item], *, now: datetime | None) -> None:
    """Process the stored messages of a chunk in one transaction, each in a savepoint."""
    # SLA policies, teams, tiers, open incidents: read once a chunk (after-commit work too)
    with run_memo(), transaction.atomic():
        lookups = _Lookups.load()
        locked = InboundMessage.objects.select_for_update().in_bulk(
            {item.inbound.pk for item in items}
        )
        lookups.prepare(
            [row for row in locked.values() if row.state == State.RECEIVED], now_or(now)
        )
        for item in items:
            inbound = locked[item.inbound.pk]
            if inbound.state != State.RECEIVED:  # processed meanwhile (or earlier in the chunk)
                item.result = IntakeResult(inbound=inbound, duplicate=True)
                continue
            at = now_or(now)
            try:
                with transaction.atomic():
                    _process_locked(
                        inbound, now=at, raw=item.raw if item.created else None, lookups=lookups
                    )
            except (OperationalError, InterfaceError):
                raise  # the database is unavailable: nothing of this chunk is processed
            except Exception as exc:  # rolled back to its savepoint: kept as failed
                _failed(inbound.pk, exc, now=at)
                inbound.refresh_from_db()
            item.result = IntakeResult(inbound=inbound, duplicate=not item.created)


def inbound_retry(*, inbound: InboundMessage, actor, now: datetime | None = None) -> InboundMessage:
    """Process a failed (or never processed) message again: admins, from the admin."""
    if actor is None or not roles.is_admin(actor):
        raise PermissionDenied("Only admins retry inbound email.")
    inbound.refresh_from_db()
    if not inbound.retryable:
        raise ServiceError(_("Only failed messages can be retried."), status=409)
    return _process(inbound.pk, now=now or timezone.now(), retry=True)


def _envelope_sender(inbound: InboundMessage) -> str | None:
    """ "" for the null sender, None when the mail server did not say."""
    if inbound.envelope_from == "<>":
        return ""
    return inbound.envelope_from or None


def _process(pk: int, *, now: datetime, retry: bool = False) -> InboundMessage:
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.select_for_update().get(pk=pk)
            if inbound.state != State.RECEIVED and not (retry and inbound.retryable):
                return inbound  # processed meanwhile by another delivery
            return _process_locked(inbound, now=now, raw=None, lookups=_Lookups.load())
    except (OperationalError, InterfaceError):
        raise  # the database is unavailable: the mail server retries
    except Exception as exc:
        _failed(pk, exc, now=now)
        return InboundMessage.objects.get(pk=pk)


def _failed(pk: int, exc: Exception, *, now: datetime) -> None:
    logger.warning("inbound email %s failed: %s", pk, exc, exc_info=True)
    InboundMessage.objects.filter(pk=pk).update(
        state=State.FAILED,
        reason=Reason.ERROR,
        error=f"{exc.__class__.__name__}: {exc}"[:4000],
        attempts=F("attempts") + 1,
        processed_at=now,
    )


def _process_locked(
    inbound: InboundMessage, *, now: datetime, raw: bytes | None, lookups: _Lookups
) -> InboundMessage:
    """Decide and record one locked message (the caller's transaction). ``raw``: its bytes
    when at hand (just stored), else read from storage."""
    if raw is None:
        with inbound.raw.open("rb") as handle:
            raw = handle.read()
    parsed = parse_message(raw, envelope_sender=_envelope_sender(inbound))
    outcome = _decide(inbound, parsed, now, lookups)
    inbound.state = outcome.state
    inbound.reason = outcome.reason
    inbound.detail = outcome.detail[:2000]
    inbound.ticket = outcome.ticket
    inbound.ticket_message = outcome.message
    inbound.refused_files = outcome.refused or []
    inbound.error = ""
    inbound.attempts += 1
    inbound.processed_at = now
    inbound.save(
        update_fields=[
            "state",
            "reason",
            "detail",
            "ticket",
            "ticket_message",
            "error",
            "attempts",
            "processed_at",
            "refused_files",
        ]
    )
    return inbound


# --- deciding -----------------------------------------------------------------------------------
def _base(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local.partition('+')[0]}@{domain}".lower()


class _Lookups:
    """What every message asks and mail does not change, read once per transaction (one
    message, or a chunk of ``intake_many``): our own addresses, the queue of each active
    inbound address, the default queue (when first needed); for a chunk, also its senders'
    accounts and how much each sent in the minute before it (``prepare``)."""

    def __init__(self, ours: set[str], routes: dict[str, Queue]) -> None:
        self.ours = ours
        self.routes = routes
        self._default: list[Queue | None] = []
        self._users: dict[str, User] = {}
        self._recent: dict[str, int] | None = None  # per sender, stored before the chunk
        self._chunk: list[tuple[int, str, datetime]] = []

    def prepare(self, inbounds: list[InboundMessage], now: datetime) -> None:
        """Read the accounts of a chunk's senders and their mail of the last minute in two
        queries, not two per message (``bench/mail_intake.py``). A sender not found here
        (an address in other letter case) is still looked up on its own."""
        senders = {inbound.from_address for inbound in inbounds if inbound.from_address}
        if not senders:
            return
        lowered = {address.lower() for address in senders}
        for user in User.objects.filter(email__in=lowered).select_related("customer"):
            self._users[user.email.lower()] = user
        first = min(inbound.pk for inbound in inbounds)
        self._recent = dict(
            InboundMessage.objects.filter(
                from_address__in=senders,
                received_at__gt=now - timedelta(minutes=1),
                received_at__lte=now,
                pk__lt=first,
            )
            .values_list("from_address")
            .annotate(n=Count("pk"))
        )
        self._chunk = [(i.pk, i.from_address, i.received_at) for i in inbounds]

    def user(self, address: str) -> User | None:
        """The account of a sender's address (any letter case)."""
        user = self._users.get(address.lower())
        if user is None:
            user = User.objects.filter(email__iexact=address).select_related("customer").first()
        return user

    def flooding(self, inbound: InboundMessage, now: datetime) -> bool:
        """At least ``EMAIL_INBOUND_FLOOD_PER_MINUTE`` messages from this sender stored
        before this one in the last minute (in a chunk: counted when it began, plus the
        chunk's own, so the minute may reach back by the chunk's duration, under a second)."""
        address = inbound.from_address
        if not address:
            return False
        if self._recent is None:
            return _flooding(inbound, now)
        since = now - timedelta(minutes=1)
        count = self._recent.get(address, 0) + sum(
            1
            for pk, sender, received in self._chunk
            if sender == address and pk < inbound.pk and since < received <= now
        )
        return count >= settings.EMAIL_INBOUND_FLOOD_PER_MINUTE

    @classmethod
    def load(cls) -> _Lookups:
        ours = {
            settings.TICKETS_REPLY_TO.lower(),
            parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(),
            parseaddr(settings.SERVER_EMAIL)[1].lower(),
        }
        routes: dict[str, Queue] = {}
        for route in InboundAddress.objects.select_related("queue"):
            ours.add(route.address)
            if route.is_active:
                routes[route.address] = route.queue
        return cls(ours={address for address in ours if "@" in address}, routes=routes)

    def queue(self, addresses: list[str]) -> Queue | None:
        """The queue of the first address that has one, else the default queue."""
        for address in addresses:
            if (queue := self.routes.get(_base(address))) is not None:
                return queue
        if not self._default:
            self._default.append(queue_for(None))
        return self._default[0]


def _is_our_message_id(message_id: str) -> bool:
    from portal.services.notifications import delivery_message_id

    match = _OUR_ID.match(message_id)
    if match is None:
        return False
    delivery = NotificationDelivery.objects.filter(pk=int(match["delivery"])).first()
    return (
        delivery is not None
        and delivery_message_id(delivery.pk, delivery.event_key) == f"<{message_id}>"
    )


def _own_message(parsed: ParsedMail, ours: set[str]) -> bool:
    if parsed.header("X-Portal-Event"):
        return True
    if parsed.from_address and _base(parsed.from_address) in ours:
        return True
    return bool(parsed.message_id) and _is_our_message_id(parsed.message_id)


def _flooding(inbound: InboundMessage, now: datetime) -> bool:
    if not inbound.from_address:
        return False
    recent = InboundMessage.objects.filter(  # (stored before it: the same in a chunk)
        from_address=inbound.from_address,
        received_at__gt=now - timedelta(minutes=1),
        received_at__lte=now,
        pk__lt=inbound.pk,
    )
    return recent.count() >= settings.EMAIL_INBOUND_FLOOD_PER_MINUTE


def _recipients(inbound: InboundMessage, parsed: ParsedMail) -> list[str]:
    found = [inbound.envelope_to] if inbound.envelope_to else []
    return found + [address for address in parsed.to if address not in found]


def _ticket_by_plus(addresses: list[str], ours: set[str]) -> Ticket | None:
    for address in addresses:
        match = _PLUS.match(address)
        if match and f"{match['local']}@{match['domain']}".lower() in ours:
            ticket = Ticket.objects.filter(pk=int(match["number"])).first()
            if ticket is not None:
                return ticket
    return None


def _ticket_by_thread(parsed: ParsedMail) -> Ticket | None:
    ids = [*reversed(parsed.in_reply_to), *reversed(parsed.references)]
    for message_id in ids:
        match = _OUR_ID.match(message_id)
        if match and _is_our_message_id(message_id):
            ticket = Ticket.objects.filter(pk=int(match["ticket"])).first()
            if ticket is not None:
                return ticket
    if ids:  # a reply to a message we took in (a colleague answering the customer's mail)
        earlier = (
            InboundMessage.objects.filter(message_id__in=ids[:50], ticket__isnull=False)
            .select_related("ticket")
            .order_by("-received_at")
            .first()
        )
        if earlier is not None:
            return earlier.ticket
    return None


def _ticket_by_subject(parsed: ParsedMail) -> Ticket | None:
    match = _SUBJECT_NUMBER.search(parsed.subject)
    return Ticket.objects.filter(pk=int(match[1])).first() if match else None


def _followed(ticket: Ticket | None) -> Ticket | None:
    """A merged ticket's replies go to the ticket it was merged into."""
    hops = 0
    while ticket is not None and ticket.merged_into_id is not None and hops < MERGE_HOPS:
        ticket = Ticket.objects.filter(pk=ticket.merged_into_id).first() or ticket
        hops += 1
    return ticket


def _may_write(customer: Customer, ticket: Ticket) -> bool:
    if ticket.customer_id == customer.pk:
        return True
    organisation = customer.organisation
    return (
        organisation is not None
        and organisation.share_tickets
        and ticket.organisation_id == organisation.pk
    )


def _dmarc_failed(parsed: ParsedMail) -> bool:
    """Our mail server's verdict (the topmost Authentication-Results header) says the From
    domain's DMARC check failed: the From address is not to be believed."""
    if parsed.headers is None:
        return False
    results = parsed.headers.get_all("Authentication-Results") or []
    return bool(results) and bool(_DMARC_FAIL.search(str(results[0])))


def _new_customer(parsed: ParsedMail) -> Customer:
    return Customer.objects.create(
        customer_ref=f"email-{secrets.token_hex(6)}",
        email=parsed.from_address[:254],
        name=parsed.from_name[:200],
    )


@dataclass
class _Files:
    accepted: list[SimpleUploadedFile]
    refused: list[dict]


def _files(parts: list[MailPart]) -> _Files:
    accepted: list[SimpleUploadedFile] = []
    refused: list[dict] = []
    most = settings.TICKETS_ATTACHMENTS_PER_MESSAGE
    for part in parts:
        upload = SimpleUploadedFile(part.filename, part.data, content_type=part.content_type)
        try:
            checked = upload_check(upload, error=TicketError)
        except TicketError as exc:
            refused.append({"name": part.filename[:150], "reason": str(exc)})
            continue
        if len(accepted) >= most:
            refused.append(
                {
                    "name": checked.name,
                    "reason": _("Attach at most %(count)d files to one message.") % {"count": most},
                }
            )
            continue
        accepted.append(upload)
    return _Files(accepted=accepted, refused=refused)


def _body(text: str, files: _Files) -> str:
    body = text.strip()
    if not body:
        body = _("(No text: see the attachments.)") if files.accepted else _("(No text.)")
    if files.refused:
        listed = "\n".join(f"- {item['name']}: {item['reason']}" for item in files.refused)
        body = f"{body}\n\n---\n{_('Attachments not accepted:')}\n{listed}"
    if len(body) > MESSAGE_MAX:
        note = _("[Shortened; the full message is kept with the inbound email.]")
        body = f"{body[: MESSAGE_MAX - len(note) - 2]}\n\n{note}"
    return body


def _subject(parsed: ParsedMail) -> str:
    subject = " ".join(parsed.subject.split())[:SUBJECT_MAX]
    return subject or _("(no subject)")


def _explain_refused(parsed: ParsedMail, files: _Files, ticket: Ticket, language: str) -> None:
    """One email to the sender naming every refused file (after commit)."""
    if not files.refused or not parsed.from_address:
        return
    from tickets.services.notify import reply_address

    with translation.override(language or settings.LANGUAGE_CODE):
        subject = _("[%(number)s] Some attachments were not accepted") % {"number": ticket.number}
        body = "\n".join(
            [
                _("We received your message on %(number)s, but not these files:")
                % {"number": ticket.number},
                "",
                *(f"- {item['name']}: {item['reason']}" for item in files.refused),
                "",
                _("Your message itself was added to the ticket."),
            ]
        )
    headers = {"Auto-Submitted": "auto-replied"}
    if parsed.message_id:
        headers["In-Reply-To"] = headers["References"] = f"<{parsed.message_id}>"
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[parsed.from_address],
        reply_to=[reply_address(ticket)],
        headers=headers,
    )

    def send() -> None:
        try:
            message.send()
        except Exception:  # the explanation is a courtesy: the message itself is in
            logger.warning("could not send the refused-attachments email", exc_info=True)

    transaction.on_commit(send)


def _decide(
    inbound: InboundMessage, parsed: ParsedMail, now: datetime, lookups: _Lookups
) -> _Outcome:
    ours = lookups.ours
    if _own_message(parsed, ours):
        return _Outcome(State.IGNORED, Reason.OWN_MESSAGE)
    if parsed.automatic:
        return _Outcome(State.IGNORED, parsed.automatic)
    if not parsed.from_address:
        return _Outcome(State.REFUSED, Reason.NO_SENDER)
    user = lookups.user(parsed.from_address)
    if lookups.flooding(inbound, now) and not (user is not None and roles.is_agent(user)):
        return _Outcome(State.IGNORED, Reason.FLOOD)  # (agents answering fast are no flood)
    addresses = _recipients(inbound, parsed)
    ticket = _followed(
        _ticket_by_plus(addresses, ours) or _ticket_by_thread(parsed) or _ticket_by_subject(parsed)
    )
    if user is not None and not user.is_active:
        return _Outcome(State.REFUSED, Reason.NOT_ALLOWED, _("The account is deactivated."))
    spoofed = _dmarc_failed(parsed)
    if user is not None and roles.is_agent(user):
        if spoofed:
            return _Outcome(State.REFUSED, Reason.NOT_ALLOWED, "DMARC failed")
        if ticket is None:
            return _Outcome(State.REFUSED, Reason.AGENT_NEW)
        return _agent_writes(ticket, user, parsed, now)
    customer = getattr(user, "customer", None) if user is not None else None
    if customer is None:
        customer = (
            Customer.objects.filter(user__isnull=True, email__iexact=parsed.from_address)
            .order_by("pk")
            .first()
        )
    detail = ""
    if ticket is not None:
        if spoofed:
            return _Outcome(
                State.REFUSED, Reason.NOT_ALLOWED, _("Sender authentication (DMARC) failed.")
            )
        if customer is not None and _may_write(customer, ticket):
            deadline = ticket.reopen_deadline() if ticket.status in DONE_STATUSES else None
            if ticket.status not in DONE_STATUSES or (deadline is not None and now <= deadline):
                return _customer_replies(ticket, customer, user, parsed, now)
            detail = _("Follow-up to %(number)s, which can no longer be reopened.") % {
                "number": ticket.number
            }
        else:
            if settings.EMAIL_INBOUND_FOREIGN_REPLY == "refuse":
                return _Outcome(
                    State.REFUSED,
                    Reason.NOT_ALLOWED,
                    _("The sender may not write on %(number)s.") % {"number": ticket.number},
                )
            detail = _("Sent as a reply to %(number)s, on which the sender may not write.") % {
                "number": ticket.number
            }
    elif spoofed:
        return _Outcome(State.REFUSED, Reason.NOT_ALLOWED, "DMARC failed")
    if customer is None:
        if settings.EMAIL_INBOUND_UNKNOWN_SENDER == "refuse":
            return _Outcome(State.REFUSED, Reason.UNKNOWN_SENDER)
        customer = _new_customer(parsed)
    return _customer_opens(customer, user, parsed, lookups.queue(addresses), now, detail)


def _refused_by_rules(exc: Exception) -> _Outcome:
    return _Outcome(State.REFUSED, Reason.INVALID, str(exc))


def _agent_writes(ticket: Ticket, agent: User, parsed: ParsedMail, now: datetime) -> _Outcome:
    files = _files(parsed.attachments)
    text = parsed.reply
    note = _NOTE.match(text)
    if note:
        text = text[note.end() :].lstrip("\n")
    body = _body(text, files)
    try:  # (the ticket services are atomic: a refusal leaves nothing behind)
        if note:
            message = ticket_note(
                ticket=ticket, author=agent, body=body, attachments=files.accepted, now=now
            )
        else:
            message = ticket_reply(
                ticket=ticket,
                author=agent,
                body=body,
                attachments=files.accepted,
                channel=Channel.EMAIL,
                now=now,
            )
    except (TicketError, PermissionDenied) as exc:
        return _refused_by_rules(exc)
    _explain_refused(parsed, files, ticket, "")
    reason = Reason.AGENT_NOTE if note else Reason.AGENT_REPLY
    outcome = _Outcome(State.ACCEPTED, reason, ticket=ticket, message=message)
    _note_refused(outcome, files)
    return outcome


def _note_refused(outcome: _Outcome, files: _Files) -> None:
    outcome.refused = files.refused
    if files.refused and not outcome.detail:
        outcome.detail = _("%(count)d attachments not accepted.") % {"count": len(files.refused)}


def _customer_replies(
    ticket: Ticket, customer: Customer, user: User | None, parsed: ParsedMail, now: datetime
) -> _Outcome:
    files = _files(parsed.attachments)
    try:
        message = ticket_reply(
            ticket=ticket,
            author=user,
            sender=customer,
            body=_body(parsed.reply, files),
            attachments=files.accepted,
            channel=Channel.EMAIL,
            now=now,
        )
    except (TicketError, PermissionDenied) as exc:
        return _refused_by_rules(exc)
    _explain_refused(parsed, files, ticket, customer.language)
    outcome = _Outcome(State.ACCEPTED, Reason.REPLY, ticket=ticket, message=message)
    _note_refused(outcome, files)
    return outcome


def _customer_opens(
    customer: Customer,
    user: User | None,
    parsed: ParsedMail,
    queue: Queue | None,
    now: datetime,
    detail: str,
) -> _Outcome:
    files = _files(parsed.attachments)
    try:
        ticket = ticket_open(
            customer=customer,
            subject=_subject(parsed),
            body=_body(parsed.reply, files),
            opened_by=user,
            sender=customer,
            attachments=files.accepted,
            channel=Channel.EMAIL,
            queue=queue,
            now=now,
        )
    except (TicketError, PermissionDenied) as exc:
        return _refused_by_rules(exc)
    _explain_refused(parsed, files, ticket, customer.language)
    message = ticket.messages.order_by("pk").first()
    outcome = _Outcome(State.ACCEPTED, Reason.NEW_TICKET, detail, ticket=ticket, message=message)
    _note_refused(outcome, files)
    return outcome
