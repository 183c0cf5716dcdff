"""Charts as server-rendered SVG (no JavaScript library): bars, lines and a heat-map scale.

Every chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` (screen readers
announce them) and the numbers printed on the chart itself, so no legend hunting; the
template also shows each chart's data as a table. Colours come from the admin stylesheet
(classes), so charts follow the admin's light and dark themes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

_ids = count(1)


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None
    shown: str = ""  # the value as printed (formatted); default: 0-1 decimals


def _n(number: float) -> str:
    """A coordinate as text (format_html escapes its arguments to strings first)."""
    return f"{number:.1f}"


def _shown(point: Point) -> str:
    if point.shown:
        return point.shown
    if point.value is None:
        return "-"
    return f"{point.value:.1f}" if abs(point.value) < 100 else f"{point.value:.0f}"


def _frame(title: str, desc: str, width: int, height: int, body: SafeString) -> SafeString:
    uid = next(_ids)
    return format_html(
        '<svg class="insights-chart" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="chart-t{id} chart-d{id}" preserveAspectRatio="xMinYMin meet">'
        '<title id="chart-t{id}">{title}</title><desc id="chart-d{id}">{desc}</desc>{body}</svg>',
        w=width,
        h=height,
        id=uid,
        title=title,
        desc=desc,
        body=body,
    )


def bar_chart(
    points: Sequence[Point], *, title: str, desc: str = "", horizontal: bool = True
) -> SafeString:
    """Horizontal bars (one row per point, label left, value right) scaled to the largest."""
    if not points:
        return format_html('<p class="help">{}</p>', "-")
    peak = max((abs(p.value or 0) for p in points), default=0) or 1
    row, label_w, bar_w = 28, 150, 300
    width, height = label_w + bar_w + 70, row * len(points) + 8
    parts = []
    for i, point in enumerate(points):
        y = 4 + i * row
        length = bar_w * abs(point.value or 0) / peak
        parts.append(
            format_html(
                '<text class="chart-label" x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
                '<rect class="chart-bar" x="{bx}" y="{by}" width="{bw}" height="{bh}" rx="3">'
                "<title>{label}: {shown}</title></rect>"
                '<text class="chart-value" x="{vx}" y="{ty}">{shown}</text>',
                lx=label_w - 8,
                ty=y + row / 2 + 4,
                label=point.label,
                bx=label_w,
                by=y + 4,
                bw=_n(max(length, 1 if point.value else 0)),
                bh=row - 8,
                shown=_shown(point),
                vx=_n(label_w + length + 6),
            )
        )
    return _frame(title, desc, width, height, mark_safe("".join(parts)))  # noqa: S308


def column_chart(points: Sequence[Point], *, title: str, desc: str = "") -> SafeString:
    """Vertical columns with the label under each and the value above (a distribution)."""
    if not points:
        return format_html('<p class="help">{}</p>', "-")
    peak = max((abs(p.value or 0) for p in points), default=0) or 1
    col, plot_h, top = 40, 160, 20
    width, height = col * len(points) + 10, plot_h + top + 30
    parts = []
    for i, point in enumerate(points):
        h = plot_h * abs(point.value or 0) / peak
        x = 5 + i * col
        parts.append(
            format_html(
                '<rect class="chart-bar" x="{x}" y="{y}" width="{w}" height="{h}" rx="3">'
                "<title>{label}: {shown}</title></rect>"
                '<text class="chart-value" x="{cx}" y="{vy}" text-anchor="middle">'
                "{shown}</text>"
                '<text class="chart-label" x="{cx}" y="{ly}" text-anchor="middle">{label}</text>',
                x=x + 4,
                y=_n(top + plot_h - h),
                w=col - 8,
                h=_n(h),
                label=point.label,
                shown=_shown(point),
                cx=x + col / 2,
                vy=_n(top + plot_h - h - 5),
                ly=top + plot_h + 18,
            )
        )
    return _frame(title, desc, width, height, mark_safe("".join(parts)))  # noqa: S308


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    desc: str = "",
    low: float | None = None,
    high: float | None = None,
) -> SafeString:
    """A line over labelled steps (months); gaps where a value is missing; each point
    labelled with its value."""
    known = [p.value for p in points if p.value is not None]
    if not known:
        return format_html('<p class="help">{}</p>', "-")
    low = min(known) if low is None else low
    high = max(known) if high is None else high
    span = (high - low) or 1
    step, plot_h, left, top = 64, 150, 30, 24  # left: room for half a month label
    width, height = left * 2 + step * max(len(points) - 1, 1) + 20, plot_h + top + 34
    coords = []
    parts = []
    for i, point in enumerate(points):
        x = left + 10 + i * step
        parts.append(
            format_html(
                '<text class="chart-label" x="{x}" y="{y}" text-anchor="middle">{label}</text>',
                x=x,
                y=top + plot_h + 22,
                label=point.label,
            )
        )
        if point.value is None:
            coords.append(None)
            continue
        y = top + plot_h - plot_h * (point.value - low) / span
        coords.append((x, y))
        parts.append(
            format_html(
                '<circle class="chart-dot" cx="{x}" cy="{y}" r="4"><title>{label}: {shown}'
                '</title></circle><text class="chart-value" x="{x}" y="{ty}" '
                'text-anchor="middle">{shown}</text>',
                x=x,
                y=_n(y),
                ty=_n(y - 9),
                label=point.label,
                shown=_shown(point),
            )
        )
    segments, current = [], []
    for coord in coords:
        if coord is None:
            if len(current) > 1:
                segments.append(current)
            current = []
        else:
            current.append(coord)
    if len(current) > 1:
        segments.append(current)
    lines = format_html_join(
        "",
        '<polyline class="chart-line" points="{}" />',
        ((" ".join(f"{x},{y}" for x, y in segment),) for segment in segments),
    )
    baseline = format_html(
        '<line class="chart-axis" x1="{}" y1="{y}" x2="{}" y2="{y}" />',
        left,
        width - left,
        y=top + plot_h,
    )
    return _frame(title, desc, width, height, baseline + lines + mark_safe("".join(parts)))  # noqa: S308


def heat_level(value: float | None) -> str:
    """A CSS class for a 0..1 share (``heat-0`` .. ``heat-10``; ``heat-none`` when empty)."""
    if value is None:
        return "heat-none"
    return f"heat-{max(0, min(10, round(value * 10)))}"
