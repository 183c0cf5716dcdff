"""A ticket in a real browser: a customer opens it, an agent claims it, replies and resolves
it from the desk, the customer sees the answer (and got it by email).

Screenshots of both sides go to test-results/screenshots/tickets-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal import roles
from tests.conftest import PASSWORD, make_customer, make_user
from tickets.models import Status, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has([name='password'])").locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))


def test_customer_opens_agent_claims_and_replies(live_server, new_page, screenshot, mailoutbox):
    from django.core.cache import cache

    cache.clear()  # allauth rate limits from earlier tests
    base = live_server.url
    alice = make_user("alice.e2e@example.com", full_name="Alice Archer")
    make_customer(alice, ref="C-E2E")
    make_user("ada.e2e@example.com", full_name="Ada Agent", groups=[roles.AGENTS], is_staff=True)

    # 1. The customer opens a ticket.
    customer = new_page()
    sign_in(customer, base, "alice.e2e@example.com")
    customer.goto(f"{base}/tickets/new/")
    customer.fill("input[name=subject]", "Router restarts every hour")
    customer.select_option("select[name=category]", "problem")
    customer.fill("textarea[name=description]", "Since **Monday** it reboots every hour.")
    screenshot(customer, "tickets-01-customer-new")
    customer.locator("form:has([name='description'])").locator(
        "button[type=submit].btn-primary"
    ).click()
    customer.wait_for_url(re.compile(r".*/tickets/\d+/$"))
    expect(customer.locator("h1")).to_have_text("Router restarts every hour")
    expect(customer.locator(".message-body").first).to_contain_text("Since Monday it reboots")
    ticket = Ticket.objects.get()
    screenshot(customer, "tickets-02-customer-opened")

    # 2. The agent finds it in the queue, claims it, replies and resolves it.
    agent = new_page()
    sign_in(agent, base, "ada.e2e@example.com")
    agent.goto(f"{base}/desk/")
    row = agent.locator("tr", has_text="Router restarts every hour")
    expect(row).to_be_visible()
    screenshot(agent, "tickets-03-desk-queue")
    row.get_by_role("button", name=re.compile("Claim")).click()
    agent.wait_for_url(re.compile(r".*/desk/tickets/\d+/$"))
    expect(agent.locator(".header-actions-desk")).to_contain_text("you")
    agent.fill("textarea[name=body]", "Please update the firmware: Settings → Update.")
    agent.select_option("select[name=status_after]", "resolved")
    agent.get_by_role("button", name="Send", exact=True).click()
    agent.wait_for_url(re.compile(r".*/desk/tickets/\d+/(#latest)?$"))
    expect(agent.locator(".conversation")).to_contain_text("Please update the firmware")
    screenshot(agent, "tickets-04-desk-replied")
    ticket.refresh_from_db()
    assert ticket.assignee.email == "ada.e2e@example.com"
    assert ticket.status == Status.RESOLVED

    # 3. The customer sees the reply and the new status, and got the email.
    customer.goto(f"{base}/tickets/{ticket.pk}/")
    expect(customer.locator(".conversation")).to_contain_text("Please update the firmware")
    expect(customer.locator(".ticket-header .status")).to_have_text("Resolved")
    screenshot(customer, "tickets-05-customer-sees-reply")
    replies = [m for m in mailoutbox if "New reply from support" in m.subject]
    assert [m.to for m in replies] == [["alice.e2e@example.com"]]
    assert replies[0].reply_to == [f"support+T-{ticket.pk}@example.com"]
