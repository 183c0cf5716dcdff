"""Charts as server-rendered SVG (no JavaScript library): bars, columns, lines and a
heat-map scale.

Every chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` (screen readers
announce them) and the numbers printed on the chart itself, so no legend hunting; the
template also shows each chart's data as a table. Colours come from the admin stylesheet
(classes), so charts follow the admin's light and dark themes.

Charts are responsive without shrinking their text: there is no ``viewBox`` (scaling a
viewBox scales the text with it, to about 7 px on a phone). The SVG is as wide as its
column; horizontal positions are percentages of that width, vertical ones pixels, and the
text keeps the stylesheet's size (12 px or more). The value axis's tick labels sit in the
margin left of the plot (the stylesheet gives line and column charts that margin and lets
the SVG draw into it). On a narrow column the stylesheet hides every second or third month
label and the values of all but the latest point (container queries on the figure).

A ``None`` value is missing data: a gap in a line (never a zero), no bar, "-" as its value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count, pairwise

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

_ids = count(1)

# Vertical layout (pixels). Horizontal positions are percentages of the chart's width.
LINE_TOP, LINE_PLOT, LINE_BOTTOM = 30, 150, 40  # room for the top value / the month labels
COLUMN_TOP, COLUMN_PLOT, COLUMN_BOTTOM = 30, 150, 26
BAR_LABEL, BAR_HEIGHT, BAR_GAP = 18, 16, 12  # a bar's label line, the bar, the space after
BAR_SHARE = 78  # % of the width the longest bar takes (the rest: its value)
TICKS = 4  # about how many steps the value axis has


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None
    shown: str = ""  # the value as printed (formatted); default: 0-1 decimals


@dataclass(frozen=True)
class Axis:
    """How the value axis reads: ``unit`` is "rate" (fractions, ticks in %), "money",
    "score", "number" or "count" (whole numbers); ``title`` names the unit above the ticks
    (a currency code, "%", "answers"); ``low``/``high`` fix the range (else the data's,
    rounded out to whole ticks)."""

    unit: str = "number"
    title: str = ""
    low: float | None = None
    high: float | None = None


def _n(number: float) -> str:
    """A coordinate as text (format_html escapes its arguments to strings first)."""
    return f"{number:.1f}"


def _pct(number: float) -> str:
    return f"{number:.2f}%"


def _shown(point: Point) -> str:
    if point.shown:
        return point.shown
    if point.value is None:
        return "-"
    return f"{point.value:.1f}" if abs(point.value) < 100 else f"{point.value:.0f}"


def nice_ticks(low: float, high: float, *, steps: int = TICKS, whole: bool = False) -> list[float]:
    """Round tick values covering ``low..high``: a step of 1, 2, 2.5 or 5 times a power of
    ten, about ``steps`` of them (``whole``: the step is at least 1)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(steps, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    if whole:
        step = max(1.0, math.ceil(step))
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    ticks, value = [], first
    while value <= last + step / 2:
        ticks.append(round(value, 10) + 0.0)  # no "-0"
        value += step
    return ticks


def tick_text(value: float, axis: Axis, step: float) -> str:
    """A tick label: a percentage for rates, whole numbers when the step allows."""
    if axis.unit == "rate":
        percent = 100 * value
        return f"{percent:.0f}%" if abs(100 * step) >= 1 else f"{percent:.1f}%"
    decimals = 0 if abs(step - round(step)) < 1e-9 else (1 if abs(step * 10 % 1) < 1e-9 else 2)
    return f"{value:,.{decimals}f}"


def _scale(values: Sequence[float], axis: Axis) -> tuple[list[float], Callable[[float], float]]:
    """The axis's ticks and a function from a value to its height share (0 bottom, 1 top).
    A fixed range (``axis.low``/``axis.high``) is kept when the values fit in it."""
    lo, hi = min(values, default=0.0), max(values, default=0.0)
    whole = axis.unit == "count"
    if axis.low is not None and axis.high is not None and axis.low <= lo and hi <= axis.high:
        # a fixed scale (0-100 %, NPS -100..100, CES 1-7): round ticks from end to end
        bottom, top = axis.low, axis.high
        ticks = next(
            (
                found
                for steps in (TICKS, TICKS + 1, TICKS + 2, TICKS - 1)
                if (found := nice_ticks(bottom, top, steps=steps, whole=whole))[0] == bottom
                and found[-1] == top
            ),
            [bottom, top],
        )
    else:
        low = lo if axis.low is None else min(axis.low, lo)
        high = hi if axis.high is None else max(axis.high, hi)
        if axis.unit in ("count", "money"):
            low = min(low, 0)  # amounts and counts from zero: bars and lines compare honestly
        ticks = nice_ticks(low, high, whole=whole)
        bottom, top = ticks[0], ticks[-1]
    span = (top - bottom) or 1.0
    return ticks, lambda value: (value - bottom) / span


def _value_axis(ticks: list[float], share, axis: Axis, top: int, plot: int) -> SafeString:
    step = (ticks[-1] - ticks[0]) / max(len(ticks) - 1, 1)
    parts = [
        format_html(
            '<line class="chart-grid{zero}" x1="0" x2="100%" y1="{y}" y2="{y}" />'
            '<text class="chart-tick" x="-8" y="{ty}" text-anchor="end">{text}</text>',
            zero=" chart-grid-zero" if abs(value) < 1e-12 else "",
            y=_n(top + plot - plot * share(value)),
            ty=_n(top + plot - plot * share(value) + 4),
            text=tick_text(value, axis, step),
        )
        for value in ticks
    ]
    if axis.title:
        parts.append(
            format_html(
                '<text class="chart-unit" x="-8" y="{y}" text-anchor="end">{title}</text>',
                y=top - 14,
                title=axis.title,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 (every part went through format_html)


def _frame(title: str, desc: str, height: int, body: SafeString, *, kind: str) -> SafeString:
    uid = next(_ids)
    return format_html(
        '<svg class="insights-chart" data-chart="{kind}" width="100%" height="{h}" '
        'role="img" aria-labelledby="chart-t{id} chart-d{id}">'
        '<title id="chart-t{id}">{title}</title><desc id="chart-d{id}">{desc}</desc>{body}</svg>',
        kind=kind,
        h=height,
        id=uid,
        title=title,
        desc=desc,
        body=body,
    )


def _empty(text: str) -> SafeString:
    return format_html('<p class="insights-chart-empty">{}</p>', text or _("No data."))


def bar_chart(
    points: Sequence[Point], *, title: str, desc: str = "", empty: str = ""
) -> SafeString:
    """Horizontal bars, one row per point: the label above its bar, the value at the bar's
    end; bars are scaled to the largest value (the longest takes ``BAR_SHARE`` % of the
    width, so the value always has room)."""
    if not points:
        return _empty(empty)
    peak = max((abs(p.value) for p in points if p.value is not None), default=0) or 1
    row = BAR_LABEL + BAR_HEIGHT + BAR_GAP
    parts = []
    for i, point in enumerate(points):
        y = i * row
        length = BAR_SHARE * abs(point.value or 0) / peak
        bar = ""
        if point.value:
            bar = format_html(
                '<rect class="chart-bar" x="0" y="{by}" width="{bw}" height="{bh}" rx="3">'
                "<title>{label}: {shown}</title></rect>",
                by=y + BAR_LABEL,
                bw=_pct(max(length, 0.4)),
                bh=BAR_HEIGHT,
                label=point.label,
                shown=_shown(point),
            )
        parts.append(
            format_html(
                '<text class="chart-label" x="0" y="{ly}">{label}</text>{bar}'
                '<text class="chart-value" x="{vx}" dx="6" y="{vy}">{shown}</text>',
                ly=y + BAR_LABEL - 5,
                label=point.label,
                bar=bar,
                vx=_pct(length),
                vy=y + BAR_LABEL + BAR_HEIGHT - 3,
                shown=_shown(point),
            )
        )
    height = row * len(points) - BAR_GAP + 2
    return _frame(title, desc, height, mark_safe("".join(parts)), kind="bars")  # noqa: S308


def column_chart(
    points: Sequence[Point],
    *,
    title: str,
    desc: str = "",
    axis: Axis | None = None,
    empty: str = "",
) -> SafeString:
    """Vertical columns (a distribution): the label under each, the value above, and a
    value axis with its ticks and unit on the left."""
    if not points:
        return _empty(empty)
    axis = axis or Axis("count")
    values = [abs(p.value) for p in points if p.value is not None]
    ticks, share = _scale([0, *values], axis)
    top, plot = COLUMN_TOP, COLUMN_PLOT
    band = 100 / len(points)
    parts = [_value_axis(ticks, share, axis, top, plot)]
    for i, point in enumerate(points):
        centre = band * (i + 0.5)
        column = ""
        if point.value:
            h = plot * (share(abs(point.value)) - share(0))
            column = format_html(
                '<rect class="chart-bar" x="{x}" y="{y}" width="{w}" height="{h}" rx="2">'
                "<title>{label}: {shown}</title></rect>",
                x=_pct(band * (i + 0.17)),
                y=_n(top + plot * (1 - share(0)) - h),
                w=_pct(band * 0.66),
                h=_n(h),
                label=point.label,
                shown=_shown(point),
            )
        value_y = top + plot * (1 - share(abs(point.value or 0))) - 5
        parts.append(
            format_html(
                '{column}<text class="chart-value" x="{cx}" y="{vy}" text-anchor="middle">'
                "{shown}</text>"
                '<text class="chart-label" x="{cx}" y="{ly}" text-anchor="middle">{label}</text>',
                column=column,
                cx=_pct(centre),
                vy=_n(value_y),
                shown=_shown(point),
                ly=top + plot + 18,
                label=point.label,
            )
        )
    height = top + plot + COLUMN_BOTTOM
    return _frame(title, desc, height, mark_safe("".join(parts)), kind="columns")  # noqa: S308


def _label_lines(label: str) -> tuple[str, str]:
    """A month label on two lines ("Jan" over "2026"): split at its last space."""
    head, _sep, tail = label.rpartition(" ")
    return (head, tail) if head else (label, "")


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    desc: str = "",
    axis: Axis | None = None,
    low: float | None = None,
    high: float | None = None,
    empty: str = "",
) -> SafeString:
    """A line over labelled steps (months), each point labelled with its value, a value
    axis with ticks and the unit on the left. A ``None`` is a gap: the line stops before it
    and starts again after it; a point with no neighbour is a dot on its own."""
    known = [p.value for p in points if p.value is not None]
    if not known:
        return _empty(empty)
    axis = axis or Axis("number", low=low, high=high)
    ticks, share = _scale(known, axis)
    top, plot = LINE_TOP, LINE_PLOT
    band = 100 / len(points)
    last_known = max(i for i, p in enumerate(points) if p.value is not None)
    coords: list[tuple[float, float] | None] = []
    labels, dots = [], []
    for i, point in enumerate(points):
        x = band * (i + 0.5)
        from_end = len(points) - 1 - i
        keep = " ".join(f"keep-{k}" for k in (2, 3) if from_end % k == 0)
        first, second = _label_lines(point.label)
        labels.append(
            format_html(
                '<text class="chart-label chart-x {keep}" x="{x}" y="{y}" text-anchor="middle">'
                '{first}<tspan class="chart-label-sub" x="{x}" dy="14">{second}</tspan></text>',
                keep=keep,
                x=_pct(x),
                y=top + plot + 18,
                first=first,
                second=second,
            )
        )
        if point.value is None:
            coords.append(None)
            continue
        y = top + plot - plot * share(point.value)
        coords.append((x, y))
        dots.append(
            format_html(
                '<circle class="chart-dot" cx="{x}" cy="{y}" r="4"><title>{label}: {shown}'
                '</title></circle><text class="chart-value{optional}" x="{x}" y="{ty}" '
                'text-anchor="middle">{shown}</text>',
                x=_pct(x),
                y=_n(y),
                ty=_n(y - 9),
                label=point.label,
                shown=_shown(point),
                optional="" if i == last_known else " chart-optional",
            )
        )
    lines = format_html_join(
        "",
        '<line class="chart-line" x1="{}" y1="{}" x2="{}" y2="{}" />',
        (
            (_pct(a[0]), _n(a[1]), _pct(b[0]), _n(b[1]))
            for a, b in pairwise(coords)
            if a is not None and b is not None
        ),
    )
    body = (
        _value_axis(ticks, share, axis, top, plot)
        + lines
        + mark_safe("".join(dots) + "".join(labels))  # noqa: S308 (format_html parts)
    )
    return _frame(title, desc, top + plot + LINE_BOTTOM, body, kind="line")


def heat_level(value: float | None) -> str:
    """A CSS class for a 0..1 share (``heat-0`` .. ``heat-10``; ``heat-none`` when empty)."""
    if value is None:
        return "heat-none"
    return f"heat-{max(0, min(10, round(value * 10)))}"
