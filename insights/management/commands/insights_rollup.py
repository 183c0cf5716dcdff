"""``manage.py insights_rollup [--since D] [--until D]``: recompute the daily rollups of the
closed days from ``--since`` (default: the earliest interaction, purchase or answer) to
``--until`` (default: yesterday). Each day is replaced in one transaction, so re-running is
harmless and takes in rows that arrived late. ``--pending`` does the periodic pass instead
(days not rolled up yet, and the last few days again)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from insights.metrics.customers import warm
from insights.periods import PeriodError, parse_day
from insights.services.rollups import rollup_pending, rollup_run


class Command(BaseCommand):
    help = "Recompute the insights daily rollups (closed days only; re-running replaces days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="First day (YYYY-MM-DD); default the earliest data.")
        parser.add_argument("--until", help="Last day (YYYY-MM-DD); default yesterday.")
        parser.add_argument(
            "--pending", action="store_true", help="Only the periodic pass (missing days)."
        )

    def handle(self, *args, **options) -> None:
        if options["pending"]:
            done = rollup_pending()
            self.stdout.write(f"rolled up {done['rolled']} days, replayed {done['replayed']}")
            return
        try:
            since = parse_day(options["since"], "since")
            until = parse_day(options["until"], "until")
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        if until is not None and until >= timezone.localdate():
            raise CommandError("--until must be a closed day (yesterday or earlier).")
        if since is not None and until is not None and until < since:
            raise CommandError("--until is before --since.")
        done = rollup_run(since=since, until=until)
        warm()  # the dashboard's per-customer pass under the new rollups (customer_pass)
        self.stdout.write(
            f"rolled up {done['days']} days ({done['since']}..{done['until']}) "
            f"in {done['seconds']:.1f} s"
        )
