"""``manage.py mail_receive``: one message on stdin, exit codes a mail server understands."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from tickets.management.commands import mail_receive
from tickets.models import InboundMessage, Ticket

from .mail_helpers import compose, load


def run(monkeypatch, raw: bytes, *args: str) -> int:
    """Run the command on ``raw`` as standard input; the exit code ``manage.py`` would give
    (``run_from_argv`` exits with a ``CommandError``'s returncode; it is not called here
    because it closes the database connections, the test's too)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    try:
        call_command("mail_receive", *args)
    except CommandError as error:
        return error.returncode
    return 0


def test_a_message_on_stdin_opens_a_ticket(monkeypatch, carol, queues, capsys):
    code = run(monkeypatch, load("no_message_id.eml").replace(b"bob@", b"carol@"))

    assert code == 0
    ticket = Ticket.objects.get()
    assert ticket.customer == carol.customer and ticket.channel == "email"
    assert (
        f"accepted new_ticket inbound {InboundMessage.objects.get().pk}" in capsys.readouterr().out
    )


def test_the_envelope_recipient_and_sender_are_used(monkeypatch, alice, queues):
    raw = compose(sender="alice@example.com", to="undisclosed-recipients:;")
    ticket = Ticket.objects.create(
        subject="x", customer=alice.customer, organisation=alice.customer.organisation
    )

    assert run(monkeypatch, raw, "--to", f"support+T-{ticket.pk}@example.com", "--from", "") == 0
    inbound = InboundMessage.objects.get()
    assert (inbound.envelope_to, inbound.envelope_from) == (
        f"support+t-{ticket.pk}@example.com",
        "<>",
    )
    assert (inbound.state, inbound.reason) == ("ignored", "bounce")  # the null sender


def test_a_redelivery_is_fine_and_adds_nothing(monkeypatch, carol, queues):
    raw = compose(sender="carol@example.com")

    assert run(monkeypatch, raw) == 0
    assert run(monkeypatch, raw) == 0
    assert Ticket.objects.count() == 1


def test_a_malformed_message_is_kept_and_accepted_for_the_admin(monkeypatch, db):
    assert run(monkeypatch, load("malformed.eml")) == 0
    assert InboundMessage.objects.get().state == "failed"


@pytest.mark.parametrize("raw", [b"", b"\n\n"])
def test_empty_input_is_a_data_error(monkeypatch, db, raw):
    assert run(monkeypatch, raw) == mail_receive.EX_DATAERR
    assert not InboundMessage.objects.exists()


def test_a_too_large_message_is_a_data_error(monkeypatch, settings, db):
    settings.EMAIL_INBOUND_MAX_BYTES = 500
    assert run(monkeypatch, compose(sender="x@example.org", body="y" * 600)) == 65


def test_a_database_that_is_down_is_a_temporary_failure(monkeypatch, db):
    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(mail_receive, "mail_intake", down)

    assert run(monkeypatch, compose(sender="x@example.org")) == mail_receive.EX_TEMPFAIL


def test_call_command_with_a_stream(carol, queues):
    call_command("mail_receive", stdin=io.BytesIO(compose(sender="carol@example.com")))
    assert Ticket.objects.filter(customer=carol.customer).exists()


def test_an_mbox_is_taken_in_once_and_again_adds_nothing(tmp_path, carol, queues, capsys):
    import mailbox

    path = tmp_path / "kept.mbox"
    box = mailbox.mbox(path)
    for n in range(3):
        box.add(compose(sender="carol@example.com", subject=f"n{n}", message_id=f"<mb{n}@x.org>"))
    box.add(compose(sender="carol@example.com", subject="n0", message_id="<mb0@x.org>"))
    box.flush()
    box.close()

    call_command("mail_receive", "--mbox", str(path))

    assert Ticket.objects.count() == 3 and InboundMessage.objects.count() == 3
    assert set(InboundMessage.objects.values_list("source", flat=True)) == {"mbox"}
    out = capsys.readouterr().out
    assert "3 accepted new_ticket" in out and "1 accepted delivered before" in out

    call_command("mail_receive", "--mbox", str(path))

    assert Ticket.objects.count() == 3
    assert "4 accepted delivered before" in capsys.readouterr().out


def test_a_maildir_is_taken_in(tmp_path, carol, queues, capsys):
    import mailbox

    box = mailbox.Maildir(tmp_path / "Maildir")
    box.add(compose(sender="carol@example.com", subject="kept", message_id="<md@x.org>"))

    call_command("mail_receive", "--maildir", str(tmp_path / "Maildir"))

    assert Ticket.objects.get().subject == "kept"
    assert "1 accepted new_ticket" in capsys.readouterr().out


def test_a_missing_mailbox_or_an_envelope_with_it_is_an_error(tmp_path, db):
    with pytest.raises(CommandError) as error:
        call_command("mail_receive", "--maildir", str(tmp_path / "nowhere"))
    assert error.value.returncode == mail_receive.EX_DATAERR
    with pytest.raises(CommandError, match="standard input"):
        call_command("mail_receive", "--mbox", str(tmp_path / "x"), "--to", "a@b.c")
