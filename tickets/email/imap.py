"""Polling IMAP mailboxes for the email channel (``manage.py mail_fetch``, the periodic ``tick``).

**Mailboxes** come from ``EMAIL_INBOUND_IMAP``: URLs separated by spaces, one per mailbox::

    imaps://support%40example.com:secret@imap.example.com/INBOX
    imap+starttls://billing:secret@mail.example.com:143/INBOX?processed=Processed
    imap://test:secret@127.0.0.1:10143/INBOX          (no encryption: a local server only)

``imaps`` is TLS from the start (port 993), ``imap+starttls`` upgrades with STARTTLS (143),
``imap`` is plain text. User and password are percent-encoded (``@`` is ``%40``). Options:
``processed=FOLDER`` moves each message taken into that folder (created when missing) instead of
marking it in place; ``batch=N`` (default 200) messages per mailbox and pass.

**Exactly once, never lost.** A message is taken with ``BODY.PEEK[]`` (not marked read by the
fetch), handed to ``tickets.services.intake.mail_intake`` (which stores it and is idempotent by
Message-ID, or by a hash of the bytes when there is none), and only then marked: ``\\Seen`` plus
the keyword ``PortalTaken`` (the pass looks for messages without that keyword, so a person
reading the mailbox in a mail client changes nothing), or moved to the ``processed`` folder. A
connection dropped anywhere in between loses nothing: the message is still unmarked, the next
attempt fetches it again and the intake recognises it (a duplicate, nothing new happens) before
it is marked. A dropped connection is retried within the pass with backoff (1, 2, 4 s, up to
``RECONNECTS`` times), then the pass gives up on that mailbox (the next pass tries again).
A database that is down (the message could not be stored) stops the mailbox's pass without
marking the message, so it is fetched again later.

A message larger than ``EMAIL_INBOUND_MAX_MB`` is not downloaded: it gets ``PortalTaken`` and
``PortalRefused`` and is logged (the mailbox's owner can see it there).

stdlib ``imaplib`` is enough here (UID SEARCH/FETCH/STORE/MOVE): no dependency added.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.worker import TRANSIENT_ERRORS, Backoff

logger = logging.getLogger(__name__)

TAKEN = "PortalTaken"
REFUSED = "PortalRefused"
RECONNECTS = 4
TIMEOUT = 30  # seconds, per network operation
_DEFAULT_PORTS = {"imaps": 993, "imap+starttls": 143, "imap": 143}
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapError(Exception):
    """A mailbox could not be read (refused login, unknown folder): logged, the pass goes on."""


class NotStored(Exception):
    """The intake could not store a message (database down): raised as its cause."""


@dataclass(frozen=True)
class Mailbox:
    scheme: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    processed: str = ""  # move taken messages there; "" = mark them in place
    batch: int = 200

    @property
    def label(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_mailbox(url: str) -> Mailbox:
    """One ``EMAIL_INBOUND_IMAP`` URL; ``ImproperlyConfigured`` for anything unclear."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ImproperlyConfigured(
            f"EMAIL_INBOUND_IMAP: {scheme!r} is not imaps, imap+starttls or imap"
        )
    if not parts.hostname or parts.username is None or parts.password is None:
        raise ImproperlyConfigured(
            "EMAIL_INBOUND_IMAP: every URL needs user:password@host (percent-encoded)"
        )
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(options) - {"processed", "batch"}
    if unknown:
        raise ImproperlyConfigured(f"EMAIL_INBOUND_IMAP: unknown options {sorted(unknown)}")
    try:
        batch = int(options.get("batch", 200))
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise ImproperlyConfigured(f"EMAIL_INBOUND_IMAP: {exc}") from exc
    if batch < 1:
        raise ImproperlyConfigured("EMAIL_INBOUND_IMAP: batch must be at least 1")
    return Mailbox(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username),
        password=unquote(parts.password),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        processed=options.get("processed", ""),
        batch=batch,
    )


def configured_mailboxes() -> list[Mailbox]:
    return [parse_mailbox(url) for url in settings.EMAIL_INBOUND_IMAP]


@dataclass
class FetchReport:
    taken: int = 0  # new messages handed to the intake
    duplicates: int = 0  # fetched again after a dropped connection (already taken)
    refused: int = 0  # too large, empty
    reconnects: int = 0
    failed_mailboxes: int = 0

    def add(self, other: FetchReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


_CONNECTION_ERRORS = (imaplib.IMAP4.abort, OSError, EOFError)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(result: tuple, what: str) -> list:
    status, data = result
    if status != "OK":
        raise ImapError(f"{what}: {status} {data!r}")
    return data


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.scheme == "imaps":
        conn = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
        )
    else:
        conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT)
        if mailbox.scheme == "imap+starttls":
            conn.starttls(ssl.create_default_context())
    try:
        conn.login(mailbox.user, mailbox.password)
    except imaplib.IMAP4.error as exc:
        _close(conn)
        raise ImapError(f"login refused for {mailbox.label}: {exc}") from exc
    _check(conn.select(_quote(mailbox.folder)), f"select {mailbox.folder}")
    if mailbox.processed:
        conn.create(_quote(mailbox.processed))  # NO when it exists: fine
    return conn


def _close(conn: imaplib.IMAP4 | None) -> None:
    if conn is None:
        return
    try:
        conn.logout()
    except Exception:  # already gone
        with contextlib.suppress(Exception):
            conn.shutdown()


def _mark(conn: imaplib.IMAP4, mailbox: Mailbox, uid: bytes, *, refused: bool = False) -> None:
    flags = f"(\\Seen {TAKEN}{' ' + REFUSED if refused else ''})"
    _check(conn.uid("STORE", uid, "+FLAGS", flags), "store")
    if not mailbox.processed:
        return
    if "MOVE" in conn.capabilities:
        _check(conn.uid("MOVE", uid, _quote(mailbox.processed)), "move")
        return
    _check(conn.uid("COPY", uid, _quote(mailbox.processed)), "copy")
    _check(conn.uid("STORE", uid, "+FLAGS", "(\\Deleted)"), "delete")
    if "UIDPLUS" in conn.capabilities:
        conn.uid("EXPUNGE", uid)
    else:
        conn.expunge()


def _pending(conn: imaplib.IMAP4, mailbox: Mailbox) -> list[bytes]:
    data = _check(conn.uid("SEARCH", None, "UNKEYWORD", TAKEN), "search")
    return (data[0] or b"").split()[: mailbox.batch]


def _fetch_one(
    conn: imaplib.IMAP4, mailbox: Mailbox, uid: bytes, report: FetchReport, intake: Callable
) -> None:
    from tickets.services.intake import IntakeError

    size_data = _check(conn.uid("FETCH", uid, "(RFC822.SIZE)"), "fetch size")
    sizes = [_SIZE.search(item) for item in size_data if isinstance(item, bytes)]
    match = next((found for found in sizes if found), None)
    if match is None:  # expunged by someone else meanwhile
        return
    if int(match.group(1)) > settings.EMAIL_INBOUND_MAX_BYTES:
        logger.warning("mail_fetch: %s UID %s is too large; left marked", mailbox.label, uid)
        _mark(conn, mailbox, uid, refused=True)
        report.refused += 1
        return
    data = _check(conn.uid("FETCH", uid, "(BODY.PEEK[])"), "fetch")
    raw = next((item[1] for item in data if isinstance(item, tuple)), None)
    if raw is None:
        return
    try:
        result = intake(raw=raw, source="imap")
    except TRANSIENT_ERRORS as exc:  # not stored (the database is down): not marked either
        raise NotStored(str(exc)) from exc
    except IntakeError as exc:
        logger.warning("mail_fetch: %s UID %s refused: %s", mailbox.label, uid, exc)
        _mark(conn, mailbox, uid, refused=True)
        report.refused += 1
        return
    if result.duplicate:
        report.duplicates += 1
    else:
        report.taken += 1
    # stored (or stored before): now, and only now, marked
    _mark(conn, mailbox, uid)


def fetch_mailbox(
    mailbox: Mailbox,
    *,
    intake: Callable | None = None,
    sleep: Callable[[float], object] = time.sleep,
    reconnects: int = RECONNECTS,
) -> FetchReport:
    """Take every unmarked message of one mailbox (up to ``batch``), reconnecting after a
    dropped connection. Raises ``TRANSIENT_ERRORS`` (the database is down) after closing."""
    if intake is None:
        from tickets.services.intake import mail_intake as intake
    report = FetchReport()
    backoff = Backoff(first=1.0, cap=8.0)
    conn = None
    done = 0
    try:
        while True:
            try:
                conn = connect(mailbox)
                for uid in _pending(conn, mailbox):
                    if done >= mailbox.batch:
                        break
                    _fetch_one(conn, mailbox, uid, report, intake)
                    done += 1
                return report
            except NotStored as exc:  # not marked: fetched again by the next pass
                raise exc.__cause__ from None
            except _CONNECTION_ERRORS as exc:
                _close(conn)
                conn = None
                if report.reconnects >= reconnects:
                    raise ImapError(f"{mailbox.label}: connection lost ({exc})") from exc
                report.reconnects += 1
                delay = backoff.next()
                logger.warning(
                    "mail_fetch: %s: %s (%s); reconnecting in %g s",
                    mailbox.label,
                    type(exc).__name__,
                    exc,
                    delay,
                )
                sleep(delay)
    finally:
        _close(conn)


def mail_fetch(
    *, mailboxes: list[Mailbox] | None = None, sleep: Callable[[float], object] = time.sleep
) -> FetchReport:
    """One pass over every configured mailbox; a mailbox that cannot be read is logged and
    counted (``failed_mailboxes``), the others are still read."""
    total = FetchReport()
    for mailbox in configured_mailboxes() if mailboxes is None else mailboxes:
        try:
            total.add(fetch_mailbox(mailbox, sleep=sleep))
        except (ImapError, imaplib.IMAP4.error) as exc:
            logger.error("mail_fetch: %s: %s", mailbox.label, exc)
            total.failed_mailboxes += 1
    return total
