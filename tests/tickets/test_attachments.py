"""Uploads: size, type by content, names, storage under random names."""

from __future__ import annotations

import os

import pytest

from portal.uploads import clean_filename
from tickets.models import Attachment, Ticket
from tickets.services import TicketError, ticket_reply

from .conftest import PDF, PNG, png, upload

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def test_a_good_file_is_stored_under_a_random_name(alice, open_ticket):
    ticket = open_ticket(alice, attachments=[png("my screen.png"), upload("log.txt", b"ok\n")])
    first, second = ticket.attachments.order_by("pk")
    assert first.original_name == "my screen.png"
    assert first.content_type == "image/png"
    assert first.size == len(PNG)
    assert "screen" not in first.file.name and "." not in os.path.basename(first.file.name)
    assert first.file.name.startswith("tickets/")
    assert second.content_type == "text/plain"
    assert first.message == ticket.messages.get()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", EXE, "not really a .pdf"),  # an executable renamed
        ("photo.png", PDF, "not really a .png"),  # another type renamed
        ("notes.txt", b"plain\x00binary", "not really a .txt"),
        ("notes.txt", b"\xff\xfe\xfa not utf-8", "not really a .txt"),
        ("setup.exe", EXE, "not accepted"),
        ("script.js", b"alert(1)", "not accepted"),
        ("README", b"hello", "not accepted"),
        ("empty.txt", b"", "is empty"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(alice, open_ticket, name, content, message):
    with pytest.raises(TicketError, match=message):
        open_ticket(alice, attachments=[upload(name, content)])
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_oversize_files_are_refused(alice, open_ticket, settings):
    settings.TICKETS_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(TicketError, match="larger than 100"):
        open_ticket(alice, attachments=[upload("big.txt", b"x" * 101)])


def test_too_many_files(alice, open_ticket, settings):
    settings.TICKETS_ATTACHMENTS_PER_MESSAGE = 2
    with pytest.raises(TicketError, match="at most 2 files"):
        open_ticket(alice, attachments=[png(), png(), png()])


def test_a_refused_file_on_a_reply_writes_no_message(alice, open_ticket):
    ticket = open_ticket(alice)
    with pytest.raises(TicketError):
        ticket_reply(ticket=ticket, author=alice, body="see file", attachments=[png("x.pdf")])
    assert ticket.messages.count() == 1


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("/var/www/shell.php.png", "shell.php.png"),
        ("a\x00b\x1f.txt", "a_b_.txt"),
        ('what"<>|?*.txt', "what_.txt"),
        ("...", ""),
        (".hidden.txt", "hidden.txt"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_clean_filename_drops_paths_and_controls(raw, clean):
    assert clean_filename(raw) == clean


def test_path_tricks_in_the_name_do_not_reach_the_disk(alice, open_ticket, settings):
    ticket = open_ticket(alice, attachments=[png("../../../../tmp/evil.png")])
    attachment = ticket.attachments.get()
    assert attachment.original_name == "evil.png"
    path = os.path.realpath(attachment.file.path)
    assert path.startswith(os.path.realpath(settings.MEDIA_ROOT))
