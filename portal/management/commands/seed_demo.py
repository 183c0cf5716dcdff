"""``manage.py seed_demo``: idempotent demo data (see ``portal.demo``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo data (personas alice, bob, carol, ada, mo, root @example.com, "
        "customers, products, subscriptions, a year of purchases, interactions). "
        "Idempotent: a second run changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = seed_demo()
        purchases = report.purchases
        self.stdout.write(
            f"users created: {report.users_created}, "
            f"customers created: {report.customers_created}, "
            f"subscriptions created: {report.subscriptions_created}, "
            f"purchases created: {purchases.created} "
            f"(already there: {purchases.duplicates}), "
            f"interactions created: {report.interactions_created}"
        )
        for label, summary in report.apps.items():
            self.stdout.write(f"{label}: {summary}")
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        header = ("email", "role", "password")
        rows = [header, *report.logins]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for n, row in enumerate(rows):
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
            if n == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
