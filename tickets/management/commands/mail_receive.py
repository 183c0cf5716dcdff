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

``--mbox FILE`` / ``--maildir DIR`` take every message of a mailbox (an export, a spool, mail
kept while the portal was down) through ``intake_many``: chunks stored and processed together,
each message exactly once, so running it again on the same mailbox adds nothing. It prints one
line per outcome; a message that is empty or too large is listed and skipped (exit 0), a
database error stops it with 75 (what was reported before is in; run it again).
"""

from __future__ import annotations

import logging
import mailbox
import sys
from collections import Counter
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError

from tickets.services.intake import IntakeError, intake_many, mail_intake

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
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--mbox", metavar="FILE", help="every message of an mbox file")
        source.add_argument("--maildir", metavar="DIR", help="every message of a maildir")

    def handle(self, *args, **options) -> None:
        if options.get("mbox") or options.get("maildir"):
            if options["to"] is not None or options["sender"] is not None:
                raise CommandError("--to and --from are for one message on standard input.")
            self._mailbox(options)
            return
        self._one(options)

    def _mailbox(self, options) -> None:
        source = "mbox" if options.get("mbox") else "maildir"
        try:
            if source == "mbox":
                box: mailbox.Mailbox = mailbox.mbox(options["mbox"], create=False)
            else:
                box = mailbox.Maildir(options["maildir"], factory=None, create=False)
        except (OSError, mailbox.Error) as exc:
            raise CommandError(f"cannot read the mailbox: {exc}", returncode=EX_DATAERR) from exc

        def messages() -> Iterator[bytes]:
            for key in box.iterkeys():
                yield box.get_bytes(key)

        outcomes: Counter[str] = Counter()
        try:
            for position, result in enumerate(intake_many(messages(), source=source), 1):
                if isinstance(result, IntakeError):
                    self.stderr.write(f"mail_receive: message {position} skipped: {result}")
                    outcomes["skipped"] += 1
                    continue
                inbound = result.inbound
                outcome = "delivered before" if result.duplicate else inbound.reason
                outcomes[f"{inbound.state} {outcome}"] += 1
        except (OSError, mailbox.Error) as exc:
            raise CommandError(f"cannot read the mailbox: {exc}", returncode=EX_DATAERR) from exc
        except Exception as exc:
            logger.exception("mail_receive: a mailbox stopped")
            self.stderr.write(f"mail_receive: stopped, run it again later: {exc}")
            raise CommandError(str(exc), returncode=EX_TEMPFAIL) from exc
        finally:
            box.close()
        for outcome, count in sorted(outcomes.items()):
            self.stdout.write(f"{count} {outcome}")

    def _one(self, options) -> None:
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
