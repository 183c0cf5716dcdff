"""The loyalty programme in a real browser: alice, a Silver member with points, signs in,
sees her balance and tier on /me/ and on /me/loyalty/ (with the progress to Gold), redeems a
reward and finds its code in her wallet; a donation asks for a cause first.

Screenshots of the page at 1280 and 390 pixels wide go to /work/shots/G-loyalty-*.png (and
test-results/screenshots/)."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from loyalty.models import Redemption, Reward, Tier
from loyalty.services.ledger import points_earn
from loyalty.services.tiers import tier_evaluate
from tests.conftest import PASSWORD, make_customer, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/work/shots")


def tiers() -> None:
    """The default tiers (a transactional test before this one may have flushed them)."""
    for slug, name, rank, threshold, colour in (
        ("bronze", "Bronze", 0, 0, "#a0674b"),
        ("silver", "Silver", 1, 500, "#8d99a6"),
        ("gold", "Gold", 2, 2000, "#c9a227"),
    ):
        Tier.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "rank": rank, "threshold": threshold, "colour": colour},
        )


def shoot(page, screenshot, name: str) -> None:
    for width, size in (("1280", {"width": 1280, "height": 900}), ("390", PHONE)):
        page.set_viewport_size(size)
        path = screenshot(page, f"G-{name}-{width}")
        if SHOTS.is_dir():
            shutil.copy(path, SHOTS / path.name)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_customer_sees_tier_and_redeems_a_reward(live_server, new_page, screenshot):
    from django.core.cache import cache

    cache.clear()
    tiers()
    alice = make_user("alice.loyal@example.com", full_name="Alice Archer")
    customer = make_customer(alice, ref="C-LOYAL")
    points_earn(
        customer=customer,
        rule="",
        points=800,
        source_type="e2e",
        source_id="1",
        reason="Order FB-1001",
        at=timezone.now() - timedelta(days=10),
    )
    tier_evaluate(customer=customer)
    gift = Reward.objects.create(
        name="10 € off your next order", kind="discount_code", cost=300, value=Decimal("10")
    )
    Reward.objects.create(
        name="Plant 10 trees", kind="donation", cost=100, causes="Forests\nClean seas"
    )
    Reward.objects.create(
        name="Priority visit", kind="upgrade", cost=50, min_tier=Tier.objects.get(slug="gold")
    )

    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", alice.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has([name='password'])").locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))

    page.goto(f"{live_server.url}/me/")
    expect(page.get_by_test_id("me-balance")).to_have_text("800 points")
    page.get_by_role("link", name="Rewards and history").click()
    page.wait_for_url(re.compile(r".*/me/loyalty/$"))
    expect(page.get_by_test_id("tier")).to_contain_text("Silver")
    expect(page.get_by_test_id("balance")).to_have_text("800 points")
    expect(page.get_by_text("1200 more points in 12 months to reach Gold")).to_be_visible()
    expect(page.get_by_text("For Gold members")).to_be_visible()
    shoot(page, screenshot, "loyalty")

    page.get_by_test_id(f"reward-{gift.pk}").get_by_role("button", name="Redeem").click()
    page.wait_for_url(re.compile(r".*/me/loyalty/#wallet$"))
    code = Redemption.objects.get(reward=gift).code
    expect(page.get_by_text(f"your code is {code}")).to_be_visible()
    expect(page.get_by_test_id("balance")).to_have_text("500 points")
    row = page.get_by_test_id("wallet-item").filter(has_text=code)
    expect(row).to_contain_text("Active")
    shoot(page, screenshot, "loyalty-redeemed")

    donation = page.locator("[data-testid^=reward-]").filter(has_text="Plant 10 trees")
    donation.get_by_role("button", name="Redeem").click()
    expect(page.get_by_text("The reward was not redeemed")).to_be_visible()
    donation = page.locator("[data-testid^=reward-]").filter(has_text="Plant 10 trees")
    donation.get_by_label("Cause").select_option("Clean seas")
    donation.get_by_role("button", name="Redeem").click()
    expect(page.get_by_text("your donation to Clean seas is made")).to_be_visible()
    expect(page.get_by_test_id("balance")).to_have_text("400 points")
