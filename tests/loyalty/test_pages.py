"""The customer's loyalty page (/me/loyalty/), redeeming from it, and the summary on /me/."""

from __future__ import annotations

import re

import pytest

from loyalty.models import PointsEntry, Redemption, Reward
from loyalty.selectors import HISTORY_PER_PAGE
from tests.loyalty.g_builders import give, outage_code, reward

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_page_shows_balance_tier_progress_rewards_wallet_and_referral_link(client_for, alice):
    give(alice.customer, 120)
    reward(cost=100)
    outage_code(alice.customer)
    response = client_for(alice).get("/me/loyalty/")
    assert response.status_code == 200
    page = text(response)
    assert "120 points" in page and "Bronze" in page
    assert "380 more points in 12 months to reach Silver" in page
    assert "10 euro off" in page and "Redeem" in page
    assert "SORRY-ABC123" in page and "Compensation: Fibre outage" in page
    assert re.search(r'value="http://testserver/r/[\w-]+/"', response.content.decode())


def test_redeeming_from_the_page_puts_the_code_in_the_wallet(client_for, alice):
    give(alice.customer, 120)
    offer = reward(cost=100)
    client = client_for(alice)
    response = client.post(f"/me/loyalty/rewards/{offer.pk}/redeem/")
    assert response.status_code == 302 and response["Location"] == "/me/loyalty/#wallet"
    code = Redemption.objects.get().code
    page = client.get("/me/loyalty/")
    assert code in page.content.decode() and "20 points" in text(page)


def test_not_enough_points_is_a_409_with_the_reason(client_for, alice):
    offer = reward(cost=100)
    response = client_for(alice).post(f"/me/loyalty/rewards/{offer.pk}/redeem/")
    assert response.status_code == 409
    assert "You need 100 points for this reward; you have 0." in text(response)
    assert not PointsEntry.objects.exists()


@pytest.mark.parametrize("cause", ["", "Not a cause", "x" * 500])
def test_a_donation_needs_a_cause_from_the_list(client_for, alice, cause):
    give(alice.customer, 100)
    donation = reward("Plant trees", cost=50, kind=Reward.Kind.DONATION, causes="Forests\nSeas")
    response = client_for(alice).post(
        f"/me/loyalty/rewards/{donation.pk}/redeem/", {"cause": cause}
    )
    assert response.status_code == 400
    assert not Redemption.objects.exists()


def test_a_donation_with_a_cause(client_for, alice):
    give(alice.customer, 100)
    donation = reward("Plant trees", cost=50, kind=Reward.Kind.DONATION, causes="Forests\nSeas")
    response = client_for(alice).post(
        f"/me/loyalty/rewards/{donation.pk}/redeem/", {"cause": "Seas"}, follow=True
    )
    assert "your donation to Seas is made" in text(response)
    assert Redemption.objects.get().cause == "Seas"


def test_history_is_paginated(client_for, alice):
    for _ in range(HISTORY_PER_PAGE + 3):
        give(alice.customer, 1)
    client = client_for(alice)
    first = client.get("/me/loyalty/").content.decode()
    assert first.count("Test points") == HISTORY_PER_PAGE and "?page=2#history" in first
    second = client.get("/me/loyalty/?page=2").content.decode()
    assert second.count("Test points") == 3


def test_another_customers_reward_form_cannot_spend_my_points(client_for, alice, bob):
    give(bob.customer, 500)
    offer = reward(cost=100)
    assert client_for(alice).post(f"/me/loyalty/rewards/{offer.pk}/redeem/").status_code == 409
    assert not Redemption.objects.exists()


def test_me_shows_balance_and_tier_and_links_to_the_page(client_for, alice):
    give(alice.customer, 42)
    response = client_for(alice).get("/me/")
    page = text(response)
    assert "42 points" in page and "Bronze" in page
    assert 'href="/me/loyalty/"' in response.content.decode()


def test_staff_without_customer_record_get_404(client_for, ada):
    assert client_for(ada).get("/me/loyalty/").status_code == 404
