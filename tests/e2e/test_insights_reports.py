"""The Insights reports in a real browser on the demo data: root (admin) signs in, opens the
overview (KPI tiles with their change, monthly trend charts, NPS distribution, engagement by
channel, lifecycle funnel, cohort heat map, all inline SVG), then drills down from a tile to
the customers behind the number.

Screenshots at 1280 and 390 pixels wide go to test-results/screenshots/insights-*.png.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_admin_reads_the_insights_overview_and_drills_down(live_server, new_page, screenshot):
    from django.core.cache import cache

    cache.clear()  # allauth rate limits of earlier tests
    call_command("seed_demo", verbosity=0)
    base = live_server.url
    page = new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "root@example.com")
    page.fill("input[name=password]", settings.PORTAL_DEMO_PASSWORD)
    page.locator("form:has([name='password'])").locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))

    page.goto(f"{base}/admin/insights/")
    tiles = page.locator(".insights-tile")
    expect(tiles.first).to_be_visible()
    assert tiles.count() >= 8
    charts = page.locator("svg.insights-chart[role=img]")
    assert charts.count() >= 5, "trend, NPS, channel, lifecycle and cohort charts"
    for index in range(charts.count()):  # every chart is drawn, not an empty box
        assert charts.nth(index).bounding_box()["height"] > 40
    expect(page.get_by_text("Trends by month")).to_be_visible()
    screenshot(page, "insights-01-overview-1280")
    # Wagtail's admin scrolls inside its main column: bring the charts into view to see them.
    charts.first.scroll_into_view_if_needed()
    screenshot(page, "insights-01-charts-1280")
    page.locator("svg.insights-chart").last.scroll_into_view_if_needed()
    screenshot(page, "insights-01-charts-more-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "insights-01-overview-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    drill = page.locator(".insights-drill a").first
    label = drill.inner_text()
    drill.click()
    page.wait_for_url(re.compile(r".*/admin/insights/customers/\?.*list=.*"))
    expect(page.locator("h2.insights-heading")).to_have_text(re.compile(re.escape(label), re.I))
    expect(page.locator(".insights-period")).to_contain_text(re.compile(r"\d+ customers?,"))
    assert page.locator("table.listing tbody tr").count() >= 1
    screenshot(page, "insights-02-drill-down-1280")
