"""An outage in a real browser: an agent declares an incident on Fibre (north) on the desk,
with a credit to claim, and publishes it; the fan-out task runs (the test settings' immediate
task backend, after the publication commits, in the live server's thread); alice, affected,
signs in, sees the banner on every page and the notice in her notifications, and claims the
credit from the notice; bob, on another service, sees no banner and cannot claim.

Screenshots at 1280 and 390 pixels wide go to test-results/screenshots/outages-*.png.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from outages.models import CompensationGrant, Incident, IncidentAudience
from portal import roles
from portal.models import Interaction, InteractionKind, Notification, Product, Subscription
from tests.conftest import PASSWORD, make_customer, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Fibre down in the north"
BANNER = "This affects a service you use."
PHONE = {"width": 390, "height": 844}


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has([name='password'])").locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))


def both_widths(page, screenshot, name: str) -> None:
    """Screenshots at 1280 px and at 390 px (a phone), then back to 1280."""
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_agent_publishes_affected_customer_claims_other_sees_nothing(
    live_server, new_page, screenshot, mailoutbox
):
    from django.core.cache import cache

    cache.clear()  # allauth rate limits and cached pages of earlier tests
    base = live_server.url
    fibre = Product.objects.create(name="Fibre Broadband", slug="fibre-broadband")
    mobile = Product.objects.create(name="Mobile Plan", slug="mobile-plan")
    make_user("ada.e2e@example.com", full_name="Ada Agent", groups=[roles.AGENTS], is_staff=True)
    alice = make_user("alice.e2e@example.com", full_name="Alice Archer")
    bob = make_user("bob.e2e@example.com", full_name="Bob Baker")
    from django.utils import timezone

    Subscription.objects.create(
        customer=make_customer(alice, ref="C-E2E-A"),
        product=fibre,
        region="north",
        since=timezone.now(),
    )
    Subscription.objects.create(
        customer=make_customer(bob, ref="C-E2E-B"), product=mobile, since=timezone.now()
    )

    # 1. The agent declares the incident on the desk, checks the audience and publishes.
    agent = new_page()
    sign_in(agent, base, "ada.e2e@example.com")
    agent.goto(f"{base}/desk/incidents/new/")
    agent.fill("input[name=title]", TITLE)
    agent.get_by_label("Fibre Broadband").check()
    agent.select_option("select[name=impact]", "partial")
    agent.fill("input[name=region]", "north")
    agent.fill("textarea[name=message]", "Some customers in the north cannot connect.")
    agent.select_option("select[name=offer_kind]", "credit")
    agent.fill("input[name=offer_amount]", "5.00")
    both_widths(agent, screenshot, "outages-01-desk-declare")
    agent.get_by_role("button", name="Declare", exact=True).click()
    agent.wait_for_url(re.compile(r".*/desk/incidents/\d+/$"))
    expect(agent.locator("h1")).to_contain_text(TITLE)
    expect(agent.locator(".stat").first).to_contain_text("1")  # would be told: alice
    agent.get_by_role("button", name="Publish", exact=True).click()
    confirm = agent.get_by_role("dialog", name="Tell 1 affected customer now?")
    confirm.get_by_role("button", name="Confirm").click()  # the portal's dialog, not the browser's
    expect(agent.get_by_text("Published: the notice to 1 customer is on its way.")).to_be_visible()
    expect(agent.get_by_role("link", name="Post an update")).to_be_visible()
    both_widths(agent, screenshot, "outages-02-desk-published")

    incident = Incident.objects.get(title=TITLE)
    assert incident.published_at is not None
    assert list(
        IncidentAudience.objects.filter(incident=incident).values_list("customer__user", flat=True)
    ) == [alice.pk]
    assert Notification.objects.filter(user=alice, kind="outage_notice").count() == 1
    assert not Notification.objects.filter(user=bob, kind="outage_notice").exists()
    assert [m.to for m in mailoutbox if TITLE in m.subject] == [["alice.e2e@example.com"]]

    # 2. alice sees the banner on every page and the notice in her notifications.
    customer = new_page()
    sign_in(customer, base, "alice.e2e@example.com")
    banner = customer.locator(".outage-banner")
    expect(banner).to_contain_text(BANNER)
    expect(banner).to_contain_text(TITLE)
    both_widths(customer, screenshot, "outages-03-customer-banner")
    customer.goto(f"{base}/tickets/")
    expect(customer.locator(".outage-banner")).to_contain_text(TITLE)
    customer.goto(f"{base}/me/notifications/")
    notice = customer.get_by_role("link", name=re.compile(TITLE))
    expect(notice.first).to_be_visible()
    both_widths(customer, screenshot, "outages-04-customer-notifications")

    # ... and claims the credit from the notice.
    notice.first.click()
    customer.wait_for_url(re.compile(rf".*/status/incidents/{incident.pk}/.*"))
    expect(customer.get_by_text("You are affected by this incident.")).to_be_visible()
    expect(customer.locator(".outage-banner")).to_have_count(0)  # not on its own page
    both_widths(customer, screenshot, "outages-05-customer-notice")
    customer.get_by_role("button", name="Claim compensation").click()
    expect(customer.get_by_text("Your compensation has been granted.")).to_be_visible()
    expect(customer.locator(".compensation-card")).to_contain_text("5.00")
    expect(customer.get_by_role("button", name="Claim compensation")).to_have_count(0)
    both_widths(customer, screenshot, "outages-06-customer-claimed")
    grant = CompensationGrant.objects.get(incident=incident)
    assert grant.customer.user == alice and grant.claimed and grant.amount == Decimal("5.00")
    assert Interaction.objects.filter(
        kind=InteractionKind.COMPENSATION_CLAIMED, customer__user=alice
    ).exists()

    # 3. bob uses another service: no banner, no notice, and nothing to claim.
    other = new_page()
    sign_in(other, base, "bob.e2e@example.com")
    expect(other.locator("main")).to_be_visible()
    expect(other.get_by_text(BANNER)).to_have_count(0)
    other.goto(f"{base}/status/")
    expect(other.locator(".status-overall")).to_contain_text("Some services are partly down")
    expect(other.get_by_text(BANNER)).to_have_count(0)
    both_widths(other, screenshot, "outages-07-other-status")
    other.goto(f"{base}/status/incidents/{incident.pk}/")
    expect(other.locator("h1")).to_have_text(TITLE)
    expect(other.get_by_text("You are affected by this incident.")).to_have_count(0)
    expect(other.get_by_role("button", name="Claim compensation")).to_have_count(0)
    both_widths(other, screenshot, "outages-08-other-incident")
    csrf = next(c["value"] for c in other.context.cookies() if c["name"] == "csrftoken")
    refused = other.request.post(
        f"{base}/status/incidents/{incident.pk}/claim/",
        form={"csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base}/status/incidents/{incident.pk}/"},
    )
    assert refused.status == 403
    assert "You were not affected by this incident." in refused.text()
    assert CompensationGrant.objects.filter(incident=incident).count() == 1


def test_agent_announces_maintenance_ahead_status_page_says_scheduled(
    live_server, new_page, screenshot
):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    cache.clear()
    base = live_server.url
    Product.objects.create(name="Mobile Plan", slug="mobile-plan")
    make_user("ada.e2e@example.com", full_name="Ada Agent", groups=[roles.AGENTS], is_staff=True)
    start = timezone.localtime() + timedelta(days=2)

    agent = new_page()
    sign_in(agent, base, "ada.e2e@example.com")
    agent.goto(f"{base}/desk/incidents/new/")
    agent.fill("input[name=title]", "Planned upgrade of the mobile network")
    agent.get_by_label("Mobile Plan").check()
    agent.select_option("select[name=impact]", "maintenance")
    agent.fill("textarea[name=message]", "Calls may drop for a few minutes during the window.")
    agent.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT02:00"))
    agent.fill("input[name=ends_at]", start.strftime("%Y-%m-%dT04:00"))
    agent.get_by_label("Scheduled maintenance announced ahead").check()
    agent.get_by_role("button", name="Declare", exact=True).click()
    agent.wait_for_url(re.compile(r".*/desk/incidents/\d+/$"))
    agent.get_by_role("button", name="Publish", exact=True).click()
    agent.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    expect(agent.get_by_text("Published:")).to_be_visible()
    expect(agent.locator(".badge.state-open")).to_have_text("Scheduled")

    visitor = new_page()
    visitor.goto(f"{base}/status/")
    scheduled = visitor.locator("section[aria-labelledby=scheduled-title]")
    expect(scheduled).to_contain_text("Planned upgrade of the mobile network")
    expect(scheduled.locator(".status-badge")).to_have_text("Scheduled")
    expect(visitor.locator(".status-overall")).to_contain_text("All services are operating")
    both_widths(visitor, screenshot, "outages-09-visitor-scheduled-maintenance")
    scheduled.get_by_role("link", name="Planned upgrade of the mobile network").click()
    expect(visitor.locator(".incident-badges")).to_contain_text("Scheduled")
    expect(visitor.locator(".incident-timeline")).to_contain_text("Scheduled")
    expect(visitor.get_by_text("Investigating")).to_have_count(0)
    both_widths(visitor, screenshot, "outages-10-visitor-maintenance-page")
