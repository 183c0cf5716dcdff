"""``manage.py metrics --json [--start D --end D]``: every loyalty, engagement and service
metric for the period (dates inclusive, ISO format), keyed by metric name.

Rates are fractions between 0 and 1, NPS a score from -100 to 100, money in the shop's
currency; a metric that is undefined for the period (no answers, no customers at the start)
is ``null``. The tables (engagement by channel, lifecycle stages, cohort retention, incident
impact) follow the metrics. Without ``--json`` a readable listing is printed.
"""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.metrics import METRICS, Segment, loyalty_tier_choices, report
from insights.models import ValueBand
from insights.money import report_amounts
from insights.periods import PeriodError, period_from
from portal.models import Channel


def _json_default(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class Command(BaseCommand):
    help = "Print every loyalty and engagement metric for a period (dates inclusive, ISO)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument(
            "--start", help="First day (YYYY-MM-DD); default: 365 days ending on --end."
        )
        parser.add_argument("--end", help="Last day (YYYY-MM-DD); default today.")
        parser.add_argument("--organisation", type=int, help="Only this organisation (id).")
        parser.add_argument("--product", type=int, help="Only this product or service (id).")
        parser.add_argument("--channel", help="Interaction metrics of this channel only.")
        parser.add_argument(
            "--value-band",
            choices=ValueBand.values,
            help="Only this value band (quantile of the predicted value, last clv_fit).",
        )
        parser.add_argument(
            "--loyalty-tier",
            help="Only customers in this loyalty tier now (a tier slug), or 'members' or "
            "'non-members' of the programme.",
        )

    def handle(self, *args, **options) -> None:
        try:
            period = period_from(options["start"], options["end"])
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        if options["channel"] and options["channel"] not in Channel.values:
            raise CommandError(
                f"Unknown channel {options['channel']!r}; one of: {', '.join(Channel.values)}."
            )
        tier = options["loyalty_tier"]
        if tier and tier not in (tiers := loyalty_tier_choices()):
            raise CommandError(f"Unknown loyalty tier {tier!r}; one of: {', '.join(tiers)}.")
        segment = Segment(
            loyalty_tier=tier,
            organisation=options["organisation"],
            product=options["product"],
            channel=options["channel"],
            value_band=options["value_band"],
        )
        data = report(period, segment)
        if options["json"]:
            # money rounded to the currency's minor units, with ``currency`` (as the API)
            out = {"period": {"start": period.start, "end": period.end}, **report_amounts(data)}
            self.stdout.write(json.dumps(out, default=_json_default, indent=2))
            return
        self.stdout.write(f"Metrics for {period} ({period.days} days)")
        for name, metric in METRICS.items():
            value = data[name]
            shown = "-" if value is None else f"{value:.4g}"
            self.stdout.write(f"  {name:28} {shown:>10}   {metric.formula}")
