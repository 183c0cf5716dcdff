"""``manage.py clv_fit --json [--as-of D] [--unit day|week]``: fit BG/NBD and Gamma-Gamma on
the purchases up to the as-of date (default today) and print the parameters (r, alpha, a,
b; p, q, gamma), the log-likelihoods and the data size. The fit and every customer's scores
from it (probability alive, predicted value, value band, "valuable at risk") are stored:
the desk's customer panel and the at-risk list read them (``--no-save`` to only print)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.clv import UNITS, clv_fit, fit_save
from insights.periods import PeriodError, parse_day


class Command(BaseCommand):
    help = "Fit the predictive customer lifetime value models (BG/NBD and Gamma-Gamma)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument("--as-of", dest="as_of", help="Last day of data (YYYY-MM-DD).")
        parser.add_argument("--unit", choices=sorted(UNITS), default="week")
        parser.add_argument("--no-save", action="store_true", help="Do not store the fit.")

    def handle(self, *args, **options) -> None:
        try:
            as_of = parse_day(options["as_of"], "as-of")
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        try:
            fit, data = clv_fit(as_of=as_of, unit=options["unit"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not options["no_save"]:
            fit_save(fit, data)
        out = fit.as_json()
        if options["json"]:
            self.stdout.write(json.dumps(out, indent=2, allow_nan=False))
            return
        bg, gg = out["bgnbd"], out["gamma_gamma"]
        self.stdout.write(
            f"{out['customers']} customers ({out['repeat_customers']} repeat), as of "
            f"{out['as_of']}, unit {out['unit']}, {out['seconds']} s\n"
            f"BG/NBD r={bg['r']:.4g} alpha={bg['alpha']:.4g} a={bg['a']:.4g} b={bg['b']:.4g} "
            f"LL={bg['log_likelihood']:.2f}\n"
            f"Gamma-Gamma p={gg['p']} q={gg['q']} gamma={gg['gamma']} "
            f"LL={gg['log_likelihood']} ({gg['customers']} customers)"
        )
