"""The Insights reports in a real browser on the demo data: root (admin) signs in, opens the
overview (KPI tiles with their change or why there is none, monthly trend charts with a value
axis, NPS distribution, engagement by channel, lifecycle funnel, cohort heat map, all inline
SVG), picks a period with the date pickers, then drills down from a tile to the customers
behind the number, and reads the at-risk list on the desk.

Any browser console error or uncaught page error fails the test (the date pickers used to
raise ``initDateChooser is not defined``). Chart text must stay readable (12 px or more on
screen) at 1280 and at 390 pixels wide: charts scale without shrinking their text.

Screenshots at 1280 and 390 pixels wide go to test-results/screenshots/insights-*.png.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MIN_TEXT_PX = 11.5

# The smallest on-screen size of the visible chart text (font size x the SVG's scale).
SMALLEST_CHART_TEXT = """() => {
  let smallest = Infinity, counted = 0;
  for (const text of document.querySelectorAll('svg.insights-chart text')) {
    const box = text.getBoundingClientRect();
    if (!box.width || getComputedStyle(text).display === 'none') continue;
    const ctm = text.getScreenCTM();
    const scale = ctm ? Math.hypot(ctm.a, ctm.b) : 1;
    smallest = Math.min(smallest, parseFloat(getComputedStyle(text).fontSize) * scale);
    counted += 1;
  }
  return {smallest, counted};
}"""


def watch_for_errors(page) -> list[str]:
    """Every console error and uncaught exception of the page, as text."""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    return errors


def show(page, locator, name, screenshot) -> None:
    """Scroll Wagtail's main column to ``locator`` and take a screenshot of the viewport."""
    locator.scroll_into_view_if_needed()
    screenshot(page, name)


def assert_readable_charts(page, width: int) -> None:
    found = page.evaluate(SMALLEST_CHART_TEXT)
    assert found["counted"] > 20, f"chart text is drawn at {width} px"
    assert found["smallest"] >= MIN_TEXT_PX, f"chart text of {found['smallest']:.1f} px at {width}"
    for index in range(page.locator("svg.insights-chart").count()):
        box = page.locator("svg.insights-chart").nth(index).bounding_box()
        assert box["height"] > 40, "every chart is drawn, not an empty box"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, "the chart fits the page"


def sign_in_as_root(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "root@example.com")
    page.fill("input[name=password]", settings.PORTAL_DEMO_PASSWORD)
    page.locator("form:has([name='password'])").locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))


def test_admin_reads_the_insights_overview_and_drills_down(demo_server, new_page, screenshot):
    base = demo_server.url
    page = new_page()
    errors = watch_for_errors(page)
    sign_in_as_root(page, base)

    page.goto(f"{base}/admin/insights/")
    tiles = page.locator(".insights-tile")
    expect(tiles.first).to_be_visible()
    assert tiles.count() >= 8
    for index in range(tiles.count()):  # a comparison, or why there is none; never "-"
        tile = tiles.nth(index)
        said = tile.locator(".insights-tile-previous").inner_text()
        assert re.search(r"previous period: .*\d|No comparison: \w", said), said
        assert "before: -" not in tile.inner_text()
        assert "=" not in tile.locator(".insights-formula").inner_text(), "a sentence"
        expect(tile.locator(".insights-key code")).to_have_count(1)
    charts = page.locator("svg.insights-chart[role=img]")
    assert charts.count() >= 7, "four trends, NPS, channels, lifecycle"
    line = page.locator("svg.insights-chart[data-chart=line]")
    assert line.first.locator(".chart-tick").count() >= 3, "a value axis with ticks"
    currency = settings.PORTAL_DEFAULT_CURRENCY
    expect(page.locator(".chart-unit", has_text=currency)).to_have_count(1)  # order value
    expect(page.get_by_text("Trends by month")).to_be_visible()
    assert_readable_charts(page, DESKTOP["width"])
    screenshot(page, "insights-01-overview-1280")
    show(page, line.first, "insights-01-charts-1280", screenshot)
    show(page, line.last, "insights-01-charts-money-1280", screenshot)
    show(page, page.locator("svg.insights-chart").last, "insights-01-charts-more-1280", screenshot)
    show(page, page.locator(".insights-cohorts"), "insights-01-cohorts-1280", screenshot)

    page.set_viewport_size(PHONE)
    page.reload()
    expect(tiles.first).to_be_visible()
    assert_readable_charts(page, PHONE["width"])
    screenshot(page, "insights-01-overview-390")
    show(page, line.first, "insights-01-charts-390", screenshot)
    show(page, line.last, "insights-01-charts-money-390", screenshot)
    show(page, page.locator("svg.insights-chart").last, "insights-01-charts-more-390", screenshot)
    page.set_viewport_size(DESKTOP)

    # the date pickers are the browser's own: a date typed in is the period shown
    start = page.locator("input[name=start]")
    assert start.get_attribute("type") == "date"
    start.fill("2026-01-01")
    page.locator("input[name=end]").fill("2026-03-31")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*start=2026-01-01.*end=2026-03-31"))
    expect(page.locator(".insights-period").first).to_contain_text("90 days")

    drill = page.locator(".insights-drill a").first
    label = drill.inner_text()
    drill.click()
    page.wait_for_url(re.compile(r".*/admin/insights/customers/\?.*list=.*"))
    expect(page.locator("h2.insights-heading")).to_have_text(re.compile(re.escape(label), re.I))
    expect(page.locator(".insights-period")).to_contain_text(re.compile(r"\d+ customers?,"))
    assert page.locator("table.listing tbody tr").count() >= 1
    screenshot(page, "insights-02-drill-down-1280")

    # the desk's at-risk list: when the fit ran and that it runs by itself; no shell commands
    page.goto(f"{base}/desk/insights/at-risk/")
    expect(page.locator(".clv-fit-status")).to_contain_text(re.compile(r"once a day", re.I))
    assert "manage.py" not in page.content()
    expect(page.get_by_role("button", name="Estimate now")).to_be_visible()
    screenshot(page, "insights-03-at-risk-1280")

    assert errors == [], "\n".join(errors)
