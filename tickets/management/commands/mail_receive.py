"""``manage.py mail_receive``: one email message on standard input, for a mail server's pipe.

Postfix (``master.cf``; ``${recipient}`` and ``${sender}`` are the envelope)::

    portal unix - n n - - pipe flags=R user=portal argv=/srv/portal/.venv/bin/python
      /srv/portal/manage.py mail_receive --to ${recipient} --from ${sender}

Exim: a ``pipe`` transport with ``command = /srv/portal/.venv/bin/python /srv/portal/manage.py
mail_receive --to $local_part@$domain --from $sender_address``.

Exit codes (``sysexits.h``), which the mail server understands:

- 0 (EX_OK): the message is stored, whatever became of it (a reply, a new ticket, ignored as an
  auto-reply, refused by the rules, or failed and kept for an admin to retry) or was stored
  before (a redelivery);
- 65 (EX_DATAERR): not a message we take: empty, or larger than ``EMAIL_INBOUND_MAX_MB``; the
  mail server bounces it to the sender;
- 75 (EX_TEMPFAIL): the message could not be stored (the database is unavailable, the disk is
  full, any other error before it was stored); the mail server keeps it and delivers it again
  later, so nothing is lost.
"""

from __future__ import annotations

import logging
import sys

from django.core.management.base import BaseCommand, CommandError

from tickets.services.intake import IntakeError, mail_intake

logger = logging.getLogger(__name__)

EX_OK = 0
EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Take in one email message from standard input (a mail server's pipe)."
    stealth_options = ("stdin",)  # tests: a binary stream instead of sys.stdin

    def add_arguments(self, parser) -> None:
        parser.add_argument("--to", default=None, help="the envelope recipient (${recipient})")
        parser.add_argument(
            "--from",
            dest="sender",
            default=None,
            help="the envelope sender (${sender}); empty for the null sender of bounces",
        )

    def handle(self, *args, **options) -> None:
        from django.conf import settings

        stream = options.get("stdin") or sys.stdin.buffer
        raw = stream.read(settings.EMAIL_INBOUND_MAX_BYTES + 1)
        try:
            result = mail_intake(
                raw=raw, envelope_to=options["to"], envelope_from=options["sender"], source="pipe"
            )
        except IntakeError as exc:
            self.stderr.write(f"mail_receive: {exc}")
            raise CommandError(str(exc), returncode=EX_DATAERR) from exc
        except Exception as exc:  # not stored: the mail server must keep it and try again
            logger.exception("mail_receive: the message could not be stored")
            self.stderr.write(f"mail_receive: not stored, try again later: {exc}")
            raise CommandError(str(exc), returncode=EX_TEMPFAIL) from exc
        inbound = result.inbound
        note = " (delivered before)" if result.duplicate else ""
        self.stdout.write(
            f"{inbound.state} {inbound.reason or '-'} inbound {inbound.pk}"
            f"{f' ticket T-{inbound.ticket_id}' if inbound.ticket_id else ''}{note}"
        )
