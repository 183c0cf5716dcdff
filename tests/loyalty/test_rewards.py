"""Redeeming rewards: balance and tier checks, the ledger row and the code in one
transaction, donations with a cause, refusals that write nothing."""

from __future__ import annotations

import pytest

from loyalty.models import PointsEntry, Redemption, Reward
from loyalty.services.errors import LoyaltyError
from loyalty.services.ledger import account_for, ledger_sum
from loyalty.services.rewards import reward_redeem
from portal.models import Interaction
from portal.wallet import wallet_items
from tests.loyalty.g_builders import give, reward, set_tier

pytestmark = pytest.mark.django_db


def test_redeem_writes_ledger_row_code_and_wallet_item(alice):
    customer = alice.customer
    give(customer, 250)
    offer = reward(cost=100)
    redemption = reward_redeem(customer=customer, reward=offer)
    assert redemption.code.startswith("LOY-") and len(redemption.code) == 15
    assert redemption.state == Redemption.State.ACTIVE and redemption.expires_at is not None
    assert redemption.entry.kind == PointsEntry.Kind.REDEEM and redemption.entry.points == -100
    account = account_for(customer)
    assert account.balance == 150 == ledger_sum(customer)
    assert Interaction.objects.filter(kind="loyalty", metadata__event="redeem").count() == 1
    [item] = wallet_items(customer)
    assert (item.code, item.state, item.source) == (redemption.code, "active", "loyalty")


def test_two_redemptions_get_two_codes(alice):
    give(alice.customer, 300)
    offer = reward(cost=100)
    first = reward_redeem(customer=alice.customer, reward=offer)
    second = reward_redeem(customer=alice.customer, reward=offer)
    assert first.code != second.code
    assert account_for(alice.customer).balance == 100


def test_not_enough_points_is_refused_and_writes_nothing(alice):
    give(alice.customer, 99)
    with pytest.raises(LoyaltyError) as refused:
        reward_redeem(customer=alice.customer, reward=reward(cost=100))
    assert refused.value.status_code == 409
    assert not Redemption.objects.exists()
    assert ledger_sum(alice.customer) == 99 == account_for(alice.customer).balance


def test_tier_below_the_rewards_minimum_is_refused(alice):
    from loyalty.models import Tier

    give(alice.customer, 1000)
    gold_only = reward(cost=100, min_tier=Tier.objects.get(slug="gold"))
    set_tier(alice.customer, "silver")
    with pytest.raises(LoyaltyError) as refused:
        reward_redeem(customer=alice.customer, reward=gold_only)
    assert refused.value.status_code == 403
    set_tier(alice.customer, "gold")
    assert reward_redeem(customer=alice.customer, reward=gold_only).points == 100


def test_donation_needs_one_of_the_causes_and_is_used_at_once(alice):
    give(alice.customer, 100)
    donation = reward("Plant a tree", cost=50, kind=Reward.Kind.DONATION, causes="Forests\nOceans")
    for bad in ("", "Something else"):
        with pytest.raises(LoyaltyError) as refused:
            reward_redeem(customer=alice.customer, reward=donation, cause=bad)
        assert refused.value.fields == {"cause": [refused.value.message]}
    redemption = reward_redeem(customer=alice.customer, reward=donation, cause="Oceans")
    assert redemption.cause == "Oceans"
    assert redemption.state == Redemption.State.USED and redemption.used_at is not None
    [item] = wallet_items(alice.customer)
    assert item.state == "used" and "Oceans" in item.detail


def test_inactive_reward_is_refused(alice):
    give(alice.customer, 500)
    offer = reward(cost=10, active=False)
    with pytest.raises(LoyaltyError) as refused:
        reward_redeem(customer=alice.customer, reward=offer)
    assert refused.value.status_code == 404
    assert not PointsEntry.objects.filter(kind="redeem").exists()


def test_cause_is_ignored_for_other_kinds(alice):
    give(alice.customer, 100)
    redemption = reward_redeem(customer=alice.customer, reward=reward(cost=10), cause="x")
    assert redemption.cause == ""
