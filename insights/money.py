"""Money in what insights hands out (the API, the CSV/XLSX exports): an amount rounded to
its currency's minor units, always with the currency next to it.

Every insights amount (net revenue, average order value, lifetime values, a customer's
spending) is in the shop's currency, ``PORTAL_DEFAULT_CURRENCY``: purchases are imported
in it unless a row names another, and the metrics do not convert between currencies. In
JSON an amount is a number (``1317.4``, not ``"1317.40000000000"``), rounded half-up to
the currency's minor units (2 for EUR and USD, 0 for JPY, 3 for KWD, ...).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

#: ISO 4217 currencies whose minor unit is not 1/100 (the others have two decimals).
MINOR_UNITS = {
    **dict.fromkeys(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"], 0),
    **dict.fromkeys(["RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


def shop_currency() -> str:
    """The currency every insights amount is in."""
    return settings.PORTAL_DEFAULT_CURRENCY


def decimals(currency: str | None = None) -> int:
    """How many decimals an amount in ``currency`` (default: the shop's) has."""
    return MINOR_UNITS.get((currency or shop_currency()).upper(), 2)


def rounded(value, currency: str | None = None) -> Decimal | None:
    """``value`` (float, Decimal, int or None) rounded half-up to the currency's minor
    units; ``None`` stays ``None`` (an undefined metric), and so do NaN and infinities."""
    if value is None:
        return None
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not amount.is_finite():
        return None
    return amount.quantize(Decimal(1).scaleb(-decimals(currency)), rounding=ROUND_HALF_UP)


def amount(value, currency: str | None = None) -> float | None:
    """``value`` rounded to the currency's minor units, as a JSON number."""
    found = rounded(value, currency)
    if found is None:
        return None
    return float(found) or 0.0  # no "-0.0"


def report_amounts(data: dict) -> dict:
    """A metrics report (``insights.metrics.report``) with its money metrics rounded to the
    shop currency's minor units and ``currency`` added (the API and ``metrics --json``)."""
    from insights.metrics import METRICS

    currency = shop_currency()
    rounded_data = {
        key: amount(value, currency) if key in METRICS and METRICS[key].unit == "money" else value
        for key, value in data.items()
    }
    return {**rounded_data, "currency": currency}
