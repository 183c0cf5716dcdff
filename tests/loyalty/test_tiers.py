"""Tiers: up at once on an earn, down only after the grace period, history, the pass."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from loyalty.models import Account, Tier, TierChange
from loyalty.services.ledger import account_for
from loyalty.services.tiers import tier_evaluate, tier_progress, tiers_pass

from .f_helpers import earn


def tier_of(customer) -> str | None:
    account = Account.objects.select_related("tier").get(customer=customer)
    return account.tier.slug if account.tier else None


def test_new_account_starts_in_the_entry_tier(alice):
    assert account_for(alice.customer).tier.slug == "bronze"


def test_earning_past_a_threshold_upgrades_at_once(alice):
    customer = alice.customer
    earn(customer, 499)
    assert tier_of(customer) == "bronze"
    earn(customer, 1)
    assert tier_of(customer) == "silver"
    earn(customer, 1500)
    assert tier_of(customer) == "gold"
    history = list(
        TierChange.objects.filter(account__customer=customer)
        .order_by("changed_at", "pk")
        .values_list("from_tier__slug", "to_tier__slug")
    )
    assert history == [("bronze", "silver"), ("silver", "gold")]


def test_downgrade_waits_for_the_grace_period(alice, settings):
    settings.LOYALTY_DOWNGRADE_GRACE_DAYS = 30
    customer = alice.customer
    now = timezone.now()
    earn(customer, 2000, at=now - timedelta(days=300))
    assert tier_of(customer) == "gold"
    later = now + timedelta(days=70)  # the points left the 12-month window
    account = tier_evaluate(customer=customer, now=later)
    assert account.tier.slug == "gold" and account.downgrade_due_at == later + timedelta(days=30)
    account = tier_evaluate(customer=customer, now=later + timedelta(days=29))
    assert account.tier.slug == "gold", "still in the grace period"
    account = tier_evaluate(customer=customer, now=later + timedelta(days=30))
    assert account.tier.slug == "bronze" and account.downgrade_due_at is None
    last = TierChange.objects.filter(account=account).latest("changed_at")
    assert (last.from_tier.slug, last.to_tier.slug) == ("gold", "bronze")
    assert "grace" in last.reason


def test_earning_back_during_the_grace_keeps_the_tier(alice, settings):
    settings.LOYALTY_DOWNGRADE_GRACE_DAYS = 30
    customer = alice.customer
    now = timezone.now()
    earn(customer, 600, at=now - timedelta(days=360))
    assert tier_of(customer) == "silver"
    account = tier_evaluate(customer=customer, now=now + timedelta(days=10))
    assert account.downgrade_due_at is not None
    earn(customer, 600, at=now + timedelta(days=11))
    account = tier_evaluate(customer=customer, now=now + timedelta(days=11))
    assert account.tier.slug == "silver" and account.downgrade_due_at is None


def test_no_grace_moves_down_at_once(alice, settings):
    settings.LOYALTY_DOWNGRADE_GRACE_DAYS = 0
    customer = alice.customer
    earn(customer, 600, at=timezone.now() - timedelta(days=364))
    account = tier_evaluate(customer=customer, now=timezone.now() + timedelta(days=2))
    assert account.tier.slug == "bronze"


def test_periodic_pass_finds_the_accounts_to_move(alice, bob, carol, settings):
    settings.LOYALTY_DOWNGRADE_GRACE_DAYS = 0
    now = timezone.now()
    earn(alice.customer, 2000, at=now - timedelta(days=200))
    earn(bob.customer, 600, at=now)
    account_for(carol.customer)
    Tier.objects.filter(slug="silver").update(threshold=700)  # an admin raised the bar
    result = tiers_pass(now=now + timedelta(days=200))
    assert tier_of(alice.customer) == "bronze"  # the points left the window
    assert tier_of(bob.customer) == "bronze"  # below the new threshold
    assert tier_of(carol.customer) == "bronze"
    assert result == {"checked": 2, "changed": 2}
    assert tiers_pass(now=now + timedelta(days=200)) == {"checked": 0, "changed": 0}


def test_progress_to_the_next_tier(alice):
    earn(alice.customer, 800)
    progress = tier_progress(alice.customer)
    assert progress.tier.slug == "silver" and progress.next_tier.slug == "gold"
    assert progress.needed == 1200 and progress.percent == 20  # (800-500)/(2000-500)
    earn(alice.customer, 1500)
    top = tier_progress(alice.customer)
    assert top.next_tier is None and top.needed == 0 and top.percent == 100


def test_reversals_count_against_the_tier_redemptions_do_not(alice):
    from loyalty.models import PointsEntry
    from loyalty.services.ledger import points_reverse

    earn(alice.customer, 600)
    PointsEntry.objects.create(
        customer=alice.customer,
        kind=PointsEntry.Kind.REDEEM,
        points=-500,
        source_type="redemption",
        source_id="1",
        created_at=timezone.now(),
    )
    assert tier_evaluate(customer=alice.customer).tier.slug == "silver"
    points_reverse(customer=alice.customer, points=200, source_type="t", source_id="1", reason="r")
    account = tier_evaluate(customer=alice.customer)
    assert account.downgrade_due_at is not None  # 400 earned: below silver, in the grace
