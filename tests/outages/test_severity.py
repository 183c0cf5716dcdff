"""Severity by colour and words (issue 18, item 4): a major outage red, a partial one orange
(amber), degraded performance grey, maintenance blue, in the banner on every page, on the
status page, on the public incident page and on the agents' pages; every such text on its
background at WCAG AA contrast (4.5:1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.outages.conftest import make_incident

ROOT = Path(settings.BASE_DIR)
CSS = {
    "portal": ROOT / "static/portal/css/portal.css",
    "outages": ROOT / "outages/static/outages/outages.css",
    "desk": ROOT / "outages/static/outages/desk.css",
}
SEVERITY = {  # impact: (banner alert class, words)
    "major": ("alert-danger", "Major outage"),
    "partial": ("alert-warning", "Partial outage"),
    "degraded": ("alert-neutral", "Degraded performance"),
    "maintenance": ("alert-info", "Maintenance"),
}


@pytest.mark.parametrize("impact", list(SEVERITY))
def test_banner_colour_and_words_follow_the_impact(
    client_for, subscribed, fibre_svc, alice, impact
):
    make_incident([fibre_svc], title="Trouble on the line", impact=impact)
    html = client_for(alice).get("/me/").content.decode()
    banner = html[html.index('class="container messages outage-banner"') :]
    banner = banner[: banner.index("</p>")]
    alert, words = SEVERITY[impact]
    assert re.search(rf'class="alert {alert} outage-{impact}"', banner), banner
    assert f"<strong>{words}:</strong>" in banner
    others = {a for i, (a, _w) in SEVERITY.items() if i != impact}
    assert not any(other in banner for other in others)


@pytest.mark.parametrize("impact", list(SEVERITY))
def test_status_and_incident_pages_name_and_colour_the_impact(
    client_for, subscribed, fibre_svc, alice, impact
):
    incident = make_incident([fibre_svc], title="Trouble on the line", impact=impact)
    _alert, words = SEVERITY[impact]
    status = client_for(None).get("/status/").content.decode()
    assert f'<span class="status-badge status-{impact}">{words}</span>' in status
    page = client_for(alice).get(f"/status/incidents/{incident.pk}/").content.decode()
    assert f'<span class="status-badge status-{impact}">{words}</span>' in page
    assert re.search(rf'class="alert {SEVERITY[impact][0]} affected-alert"', page)


# --- colours ------------------------------------------------------------------------------
def _variables() -> dict[str, str]:
    text = CSS["portal"].read_text() + CSS["outages"].read_text()
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", text))


def _rule(name: str, selector: str) -> dict[str, str]:
    """The background and colour of ``selector`` in one stylesheet (variables resolved)."""
    text = re.sub(r"/\*.*?\*/", "", CSS[name].read_text(), flags=re.S)
    found: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        if selector in [s.strip() for s in selectors.split(",")]:
            for prop, value in re.findall(r"(?:^|;)\s*(background|color)\s*:\s*([^;]+)", body):
                found[prop] = value.strip()
    variables = _variables()
    return {
        prop: variables.get(m.group(1), "") if (m := re.match(r"var\((--[\w-]+)\)", v)) else v
        for prop, v in found.items()
    }


def _luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(
    ("sheet", "selector"),
    [
        ("portal", ".alert-danger"),
        ("portal", ".alert-warning"),
        ("portal", ".alert-neutral"),
        ("portal", ".alert-info"),
        *[("outages", f".status-{impact}") for impact in SEVERITY],
        *[("desk", f".impact-{impact}") for impact in SEVERITY],
        *[
            ("desk", f".notice-badge-{stage}")
            for stage in ("queued", "sending", "sent", "failed", "nobody", "draft")
        ],
    ],
)
def test_severity_text_meets_aa_contrast(sheet, selector):
    rule = _rule(sheet, selector)
    assert rule.get("background", "").startswith("#") and rule.get("color", "").startswith("#"), (
        selector,
        rule,
    )
    assert contrast(rule["background"], rule["color"]) >= 4.5, (selector, rule)


@pytest.mark.parametrize("impact", ["maintenance", "degraded", "partial", "major"])
def test_overall_status_line_is_white_on_a_dark_enough_colour(impact):
    rule = _rule("outages", f".status-overall-{impact}")
    assert contrast(rule["background"], "#ffffff") >= 4.5, (impact, rule)


def test_the_four_severities_have_four_colours():
    backgrounds = {_rule("outages", f".status-{impact}")["background"] for impact in SEVERITY}
    assert len(backgrounds) == 4
    desk = {_rule("desk", f".impact-{impact}")["background"] for impact in SEVERITY}
    assert len(desk) == 4
