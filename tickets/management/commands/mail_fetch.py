"""``manage.py mail_fetch``: poll the IMAP mailboxes of ``EMAIL_INBOUND_IMAP`` once, keep
polling (``--every 60``), or queue the pass for the task worker (``--enqueue``). The periodic
``tick`` runs it too (``tickets.tasks.mail_fetch_task``). How messages are marked and why none
is lost or taken twice: ``tickets.email.imap``.
"""

from __future__ import annotations

from portal.management.periodic import PeriodicCommand
from tickets.email.imap import mail_fetch


class Command(PeriodicCommand):
    help = "Fetch new email from the IMAP mailboxes (EMAIL_INBOUND_IMAP) into the tickets."
    task = "tickets.tasks.mail_fetch_task"

    def run_once(self) -> str:
        report = mail_fetch().as_dict()
        return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in report.items())
