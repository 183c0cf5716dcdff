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
