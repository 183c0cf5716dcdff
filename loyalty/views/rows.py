"""The loyalty page's table rows rendered in Python (one ``format_html`` per row instead of a
dozen template nodes per cell): the history and the wallet grow with the customer, the
template stays cheap (issue 15's benchmark, like the desk queue's rows)."""

from __future__ import annotations

from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portal.wallet import ACTIVE, USED

_STATE_BADGE = {ACTIVE: "badge-active", USED: "badge-info"}


def _time(value, fmt: str) -> SafeString:
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), date_format(local, fmt))


def history_rows(entries) -> SafeString:
    labels = (_("Date"), _("What"), _("Points"))
    kinds: dict[str, str] = {}
    rows = []
    for entry in entries:
        kind = kinds.get(entry.kind)
        if kind is None:
            kind = kinds[entry.kind] = str(entry.get_kind_display())
        points = entry.points
        rows.append(
            (
                labels[0],
                _time(entry.created_at, "SHORT_DATE_FORMAT"),
                labels[1],
                entry.reason or kind,
                kind,
                labels[2],
                " amount-refund" if points < 0 else "",
                f"+{points}" if points > 0 else str(points),
            )
        )
    return format_html_join(
        "\n",
        '<tr><td data-label="{}">{}</td><td data-label="{}">{}'
        '<span class="muted small block">{}</span></td>'
        '<td data-label="{}" class="num{}">{}</td></tr>',
        rows,
    )


def wallet_rows(items) -> SafeString:
    what, code_l, value_l, until_l, state_l = (
        _("What"),
        _("Code"),
        _("Value"),
        _("Valid until"),
        _("State"),
    )
    next_bill = format_html('<span class="muted">{}</span>', _("On your next bill"))
    no_expiry = format_html('<span class="muted">{}</span>', _("No expiry"))
    dash = mark_safe('<span class="muted">-</span>')
    rows = []
    for item in items:
        sub = f"{item.kind_label} · {item.detail}" if item.detail else item.kind_label
        code = format_html("<code>{}</code>", item.code) if item.code else next_bill
        value = (
            format_html("{} {}", floatformat(item.value, "2g"), item.currency)
            if item.value
            else dash
        )
        until = _time(item.expires_at, "DATE_FORMAT") if item.expires_at else no_expiry
        rows.append(
            (
                what,
                item.title,
                sub,
                code_l,
                code,
                value_l,
                value,
                until_l,
                until,
                state_l,
                _STATE_BADGE.get(item.state, "badge-cancelled"),
                item.state_label,
            )
        )
    return format_html_join(
        "\n",
        '<tr data-testid="wallet-item"><th scope="row" data-label="{}">{}'
        '<span class="muted small block">{}</span></th>'
        '<td data-label="{}">{}</td><td data-label="{}">{}</td><td data-label="{}">{}</td>'
        '<td data-label="{}"><span class="badge {}">{}</span></td></tr>',
        rows,
    )
