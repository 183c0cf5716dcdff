"""The tables as exported (CSV/XLSX): money rounded to the currency's minor units with a
currency column next to it, and the cohort table's partial month marked.

The dashboard's tables (``insights.dashboard.Dashboard.tables``) and the drill-downs'
customer lists (``customers_table``) hold raw numbers for the page; an export must not
say ``66.666667`` for an average order value or leave a reader guessing the currency.
``money_columns`` applies to every exported table (``reports.table_response``), so the
admin exports and the desk's at-risk export agree.
"""

from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext as _

from insights.dashboard import Table
from insights.metrics import METRICS
from insights.money import rounded, shop_currency


def _is_money(name: str | None) -> bool:
    return name in METRICS and METRICS[name].unit == "money"


def _kpis(table: Table, currency: str) -> Table:
    """``[label, key, value, previous, formula]`` -> a currency column after the two values
    (empty for metrics that are not money)."""
    at = 4
    rows = []
    for row in table.rows:
        money = _is_money(row[1])
        values = [rounded(v, currency) if money else v for v in row[2:at]]
        rows.append([*row[:2], *values, currency if money else "", *row[at:]])
    return replace(
        table, headers=[*table.headers[:at], _("Currency"), *table.headers[at:]], rows=rows
    )


def _trends(table: Table, currency: str) -> Table:
    """``[label, month values...]`` -> a currency column after the label."""
    by_label = {str(metric.label): name for name, metric in METRICS.items()}
    rows = []
    for label, *values in table.rows:
        money = _is_money(by_label.get(str(label)))
        rows.append(
            [
                label,
                currency if money else "",
                *(rounded(v, currency) if money else v for v in values),
            ]
        )
    return replace(table, headers=[table.headers[0], _("Currency"), *table.headers[1:]], rows=rows)


def _customers(table: Table, currency: str, at: int) -> Table:
    """A customer list with the predicted value at ``at``: rounded, the currency after it."""
    rows = [
        [
            *row[:at],
            rounded(row[at], currency),
            currency if row[at] is not None else "",
            *row[at + 1 :],
        ]
        for row in table.rows
    ]
    headers = [*table.headers[: at + 1], _("Currency"), *table.headers[at + 1 :]]
    return replace(table, headers=headers, rows=rows)


def money_columns(table: Table) -> Table:
    """``table`` with its money rounded to the shop currency's minor units and a currency
    column next to it; tables without money are returned as they are."""
    currency = shop_currency()
    if table.key == "kpis":
        return _kpis(table, currency)
    if table.key == "trends":
        return _trends(table, currency)
    value = str(_("Predicted value, next 12 months"))
    if value in table.headers:  # a drill-down's or the at-risk list's customers
        return _customers(table, currency, table.headers.index(value))
    return table


def cohorts_with_partial(table: Table, cohorts: list[dict]) -> Table:
    """The cohort table with a last column naming the row's month that is not over (its
    retention so far can only grow; ``M3``: the fourth month), from the rows' ``partial``
    flag (``insights.metrics.cohorts``); rows padded to the table's width first."""
    width = len(table.headers)
    rows = []
    for row, cohort in zip(table.rows, cohorts, strict=True):
        last = len(cohort["retention"]) - 1
        mark = f"M{last}" if cohort.get("partial") and last >= 0 else ""
        rows.append([*row, *[None] * (width - len(row)), mark])
    return replace(table, headers=[*table.headers, _("Partial month (not over)")], rows=rows)
