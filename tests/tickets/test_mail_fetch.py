"""``manage.py mail_fetch`` against a real IMAP server: a private Dovecot (tests/tickets/
imap_server.py; ``make dovecot`` installs and starts it). Messages are delivered with IMAP
APPEND into a mailbox of the test's own user, fetched into tickets, marked or moved, and a
connection dropped by the server in the middle of a pass loses nothing and takes nothing twice.
Without Dovecot these tests FAIL with the reason (never skipped)."""

from __future__ import annotations

import imaplib
import uuid
from io import StringIO
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import OperationalError

from tickets.email import imap
from tickets.models import InboundMessage, Message, Ticket
from tickets.services.intake import mail_intake

from . import imap_server
from .mail_helpers import compose


@pytest.fixture(scope="session")
def dovecot():
    try:
        imap_server.ensure_running()
    except imap_server.DovecotUnavailable as exc:
        pytest.fail(f"Dovecot could not be started for the IMAP tests: {exc}", pytrace=False)


class TestMailbox:
    """One fresh mailbox user on the test server; ``deliver`` APPENDs, ``flags`` reads back."""

    def __init__(self, processed: str = "") -> None:
        self.user = f"t{uuid.uuid4().hex[:12]}@example.org"
        query = f"?processed={processed}" if processed else ""
        self.url = (
            f"imap://{quote(self.user, safe='')}:{imap_server.PASSWORD}"
            f"@{imap_server.HOST}:{imap_server.PORT}/INBOX{query}"
        )
        self.mailbox = imap.parse_mailbox(self.url)

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(imap_server.HOST, imap_server.PORT, timeout=10)
        conn.login(self.user, imap_server.PASSWORD)
        return conn

    def deliver(self, *messages: bytes) -> None:
        conn = self.connect()
        try:
            for raw in messages:
                raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                assert conn.append("INBOX", None, None, raw)[0] == "OK"
        finally:
            conn.logout()

    def flags(self, folder: str = "INBOX") -> list[set[str]]:
        """The flags of every message in ``folder``, in order."""
        conn = self.connect()
        try:
            conn.select(folder, readonly=True)
            _status, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            found = []
            for item in data:
                if isinstance(item, bytes) and b"FLAGS (" in item:
                    inner = item.split(b"FLAGS (", 1)[1].split(b")", 1)[0]
                    found.append({flag.decode() for flag in inner.split()} - {"\\Recent"})
            return found
        finally:
            conn.logout()


TestMailbox.__test__ = False  # a helper, not a test class


@pytest.fixture
def box(dovecot, settings):
    mailbox = TestMailbox()
    settings.EMAIL_INBOUND_IMAP = [mailbox.url]
    return mailbox


def message(sender: str, n: int, body: str = "", **kwargs) -> bytes:
    return compose(
        sender=sender,
        subject=f"Question {n}",
        body=f"Question number {n}. {body}",
        message_id=f"<fetch-{n}-{uuid.uuid4().hex}@client.example.org>",
        **kwargs,
    )


def no_sleep(_seconds: float) -> None:
    return None


def test_new_messages_become_tickets_and_are_marked(box, carol, queues):
    box.deliver(message("carol@example.com", 1), message("stranger@example.net", 2))

    out = StringIO()
    call_command("mail_fetch", stdout=out)

    assert "taken: 2" in out.getvalue()
    assert Ticket.objects.count() == 2
    assert set(InboundMessage.objects.values_list("source", "state")) == {("imap", "accepted")}
    assert Ticket.objects.filter(customer=carol.customer, channel="email").count() == 1
    assert box.flags() == [{"\\Seen", imap.TAKEN}, {"\\Seen", imap.TAKEN}]

    # the next pass finds nothing new; a message delivered later is taken alone
    box.deliver(message("carol@example.com", 3))
    report = imap.mail_fetch()
    assert (report.taken, report.duplicates) == (1, 0)
    assert Ticket.objects.count() == 3


def test_read_by_a_person_is_still_taken(box, carol, queues):
    """\\Seen alone (someone opened the mailbox in a mail client) is not our mark."""
    box.deliver(message("carol@example.com", 1))
    conn = box.connect()
    conn.select("INBOX")
    conn.uid("STORE", "1", "+FLAGS", "(\\Seen)")
    conn.logout()

    assert imap.mail_fetch().taken == 1
    assert Ticket.objects.count() == 1


def test_processed_folder_receives_the_taken_messages(dovecot, settings, carol, queues):
    box = TestMailbox(processed="Processed")
    settings.EMAIL_INBOUND_IMAP = [box.url]
    box.deliver(message("carol@example.com", 1), message("carol@example.com", 2))

    assert imap.mail_fetch().taken == 2

    assert box.flags("INBOX") == []
    assert box.flags("Processed") == [{"\\Seen", imap.TAKEN}, {"\\Seen", imap.TAKEN}]
    assert Ticket.objects.count() == 2


def test_a_reply_threads_onto_its_ticket(box, alice, queues):
    ticket = Ticket.objects.create(
        subject="Router", customer=alice.customer, organisation=alice.customer.organisation
    )
    box.deliver(
        message("alice@example.com", 1, to=f"support+T-{ticket.pk}@example.com"),
    )

    imap.mail_fetch()

    assert Ticket.objects.count() == 1
    assert Message.objects.filter(ticket=ticket, body__contains="Question number 1").exists()


def test_a_connection_dropped_mid_pass_loses_nothing_and_takes_nothing_twice(box, carol, queues):
    box.deliver(*(message("carol@example.com", n) for n in (1, 2, 3)))
    calls = []

    def intake_then_drop(**kwargs):
        result = mail_intake(**kwargs)
        calls.append(result.duplicate)
        if len(calls) == 2:  # stored, not yet marked: the server drops every connection
            imap_server.kick(box.user)
        return result

    report = imap.fetch_mailbox(box.mailbox, intake=intake_then_drop, sleep=no_sleep)

    assert report.reconnects == 1
    assert (report.taken, report.duplicates) == (3, 1)  # message 2 fetched again, known
    assert calls == [False, False, True, False]
    assert InboundMessage.objects.count() == 3
    assert Ticket.objects.count() == 3
    assert Message.objects.filter(body__contains="Question number 2").count() == 1
    assert box.flags() == [{"\\Seen", imap.TAKEN}] * 3

    # a rerun finds nothing left
    again = imap.mail_fetch(sleep=no_sleep)
    assert (again.taken, again.duplicates, again.reconnects) == (0, 0, 0)
    assert Ticket.objects.count() == 3


def test_a_message_stored_by_a_pass_that_died_is_marked_not_taken_again(box, carol, queues):
    raw = message("carol@example.com", 1)
    box.deliver(raw)
    mail_intake(raw=raw.replace(b"\n", b"\r\n"), source="imap")  # the pass died before marking

    report = imap.mail_fetch()

    assert (report.taken, report.duplicates) == (0, 1)
    assert Ticket.objects.count() == 1
    assert box.flags() == [{"\\Seen", imap.TAKEN}]


def test_a_database_outage_leaves_the_message_unmarked_for_the_next_pass(box, carol, queues):
    box.deliver(message("carol@example.com", 1))

    def down(**kwargs):
        raise OperationalError("connection refused")

    with pytest.raises(OperationalError):
        imap.fetch_mailbox(box.mailbox, intake=down, sleep=no_sleep)
    assert box.flags() == [set()]  # not even \Seen: BODY.PEEK

    assert imap.mail_fetch().taken == 1
    assert Ticket.objects.count() == 1


def test_a_too_large_message_is_not_downloaded_and_marked_refused(box, carol, queues, settings):
    box.deliver(message("carol@example.com", 1, body="x" * 5000))
    settings.EMAIL_INBOUND_MAX_BYTES = 1000

    assert imap.mail_fetch().refused == 1

    assert InboundMessage.objects.count() == 0
    assert box.flags() == [{"\\Seen", imap.TAKEN, imap.REFUSED}]


def test_a_mailbox_that_cannot_be_read_does_not_stop_the_others(box, carol, queues, settings):
    box.deliver(message("carol@example.com", 1))
    wrong_password = box.url.replace(imap_server.PASSWORD, "wrong")
    nobody_listens = f"imap://x:y@127.0.0.1:{imap_server.PORT + 1}/INBOX"
    settings.EMAIL_INBOUND_IMAP = [wrong_password, nobody_listens, box.url]
    slept = []

    report = imap.mail_fetch(sleep=slept.append)

    assert (report.failed_mailboxes, report.taken) == (2, 1)
    assert slept == [1.0, 2.0, 4.0, 8.0]  # the unreachable one: backoff, then given up


def test_enqueue_and_the_periodic_tick(box, carol, queues):
    from portal.management.commands.tick import periodic_tasks

    out = StringIO()
    call_command("mail_fetch", "--enqueue", stdout=out)
    assert "queued mail_fetch_task" in out.getvalue()
    assert "tickets.tasks.mail_fetch_task" in periodic_tasks()

    from tickets.tasks import mail_fetch_task

    box.deliver(message("carol@example.com", 1))
    assert mail_fetch_task.call()["taken"] == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "imaps://support%40example.com:p%40ss@imap.example.com/INBOX",
            ("imaps", "imap.example.com", 993, "support@example.com", "p@ss", "INBOX", ""),
        ),
        (
            "imap+starttls://u:p@mail.example.com/Support%20in?processed=Done",
            ("imap+starttls", "mail.example.com", 143, "u", "p", "Support in", "Done"),
        ),
        ("imap://u:p@127.0.0.1:10143", ("imap", "127.0.0.1", 10143, "u", "p", "INBOX", "")),
    ],
)
def test_mailbox_urls(url, expected):
    box = imap.parse_mailbox(url)
    assert (
        box.scheme,
        box.host,
        box.port,
        box.user,
        box.password,
        box.folder,
        box.processed,
    ) == expected
    assert "p" not in repr(box).split("password")[-1][:3]  # the password is not in the repr


@pytest.mark.parametrize(
    "url",
    [
        "pop3://u:p@h/INBOX",
        "imaps://host/INBOX",
        "imaps://u@host/INBOX",
        "imaps://u:p@host:notaport/INBOX",
        "imaps://u:p@host/INBOX?batch=0",
        "imaps://u:p@host/INBOX?move=x",
    ],
)
def test_bad_mailbox_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured):
        imap.parse_mailbox(url)
