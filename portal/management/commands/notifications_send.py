"""``manage.py notifications_send``: send (or retry) email notifications still pending."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.services.notifications import deliveries_send_pending


class Command(BaseCommand):
    help = (
        "Send email notifications that are still pending (after a mail-server failure). "
        "Idempotent: a notification already sent is never sent again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        sent = deliveries_send_pending(limit=max(1, limit))
        self.stdout.write(f"sent: {sent}")
