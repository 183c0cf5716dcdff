"""The points ledger: idempotent earns, caps, reversals, admin adjustments, cache == ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from loyalty.models import Account, EarnRule, PointsEntry, RuleKey
from loyalty.services.errors import LoyaltyError
from loyalty.services.ledger import (
    account_rebuild,
    points_adjust,
    points_earn,
    points_reverse,
)
from portal.models import Interaction, InteractionKind

from .f_helpers import balance, earn, ledger_sum


def _survey_earn(customer, source_id, at=None):
    return points_earn(
        customer=customer,
        rule=RuleKey.SURVEY_COMPLETED,
        points=None,
        source_type="survey",
        source_id=source_id,
        reason="Survey",
        at=at,
    )


def test_one_source_earns_once(alice):
    customer = alice.customer
    first = _survey_earn(customer, "s1")
    again = _survey_earn(customer, "s1")
    assert first.pk == again.pk and first.points == 20  # the default rule's points
    assert PointsEntry.objects.filter(customer=customer).count() == 1
    assert balance(customer) == 20


def test_earn_records_a_loyalty_interaction_and_sets_expiry(alice, settings):
    settings.LOYALTY_POINTS_EXPIRE_DAYS = 100
    entry = _survey_earn(alice.customer, "s2")
    assert entry.expires_at == entry.created_at + timedelta(days=100)
    row = Interaction.objects.get(kind=InteractionKind.LOYALTY, target_id=str(entry.pk))
    assert row.customer_id == alice.customer.pk and row.value == 20


def test_cap_per_rule_and_period(alice):
    EarnRule.objects.filter(key=RuleKey.SURVEY_COMPLETED).update(
        points=40, cap_points=100, cap_period_days=30
    )
    now = timezone.now()
    customer = alice.customer
    assert _survey_earn(customer, "a", now - timedelta(days=2)).points == 40
    assert _survey_earn(customer, "b", now - timedelta(days=1)).points == 40
    assert _survey_earn(customer, "c", now).points == 20, "the cap is filled, not overrun"
    assert _survey_earn(customer, "d", now) is None
    # 31 days later the window has moved past the first earns
    assert _survey_earn(customer, "e", now + timedelta(days=31)).points == 40
    assert balance(customer) == 140


def test_inactive_rule_earns_nothing(alice):
    EarnRule.objects.filter(key=RuleKey.SURVEY_COMPLETED).update(active=False)
    assert _survey_earn(alice.customer, "x") is None
    assert balance(alice.customer) == 0


@pytest.mark.parametrize("points", [-1, 10_000_001, "5", 1.5])
def test_bad_points_are_refused(alice, points):
    with pytest.raises(LoyaltyError):
        points_earn(
            customer=alice.customer,
            rule="",
            points=points,
            source_type="t",
            source_id="1",
            reason="r",
        )
    assert not PointsEntry.objects.exists()


def test_a_source_is_required(alice):
    with pytest.raises(LoyaltyError):
        points_earn(
            customer=alice.customer, rule="", points=5, source_type="", source_id="", reason="r"
        )


def test_reverse_once_per_source_and_may_go_negative(alice):
    customer = alice.customer
    earn(customer, 50)
    first = points_reverse(
        customer=customer, points=80, source_type="refund", source_id="r1", reason="refund"
    )
    again = points_reverse(
        customer=customer, points=80, source_type="refund", source_id="r1", reason="refund"
    )
    assert first.pk == again.pk and first.points == -80
    assert balance(customer) == -30


def test_cache_equals_ledger_and_rebuild_repairs_it(alice):
    customer = alice.customer
    earn(customer, 120)
    earn(customer, 30)
    points_reverse(customer=customer, points=20, source_type="x", source_id="1", reason="r")
    assert balance(customer) == 130
    Account.objects.filter(customer=customer).update(balance=999)  # a corrupted cache
    assert account_rebuild(customer=customer).balance == 130 == ledger_sum(customer)


def test_admin_adjustment_is_audited(alice, root):
    customer = alice.customer
    entry = points_adjust(customer=customer, points=75, reason="Goodwill for the delay", actor=root)
    assert entry.actor == root and entry.kind == PointsEntry.Kind.ADJUST
    assert entry.source_type == "admin" and len(entry.source_id) == 32
    assert balance(customer) == 75
    logged = Interaction.objects.get(kind=InteractionKind.LOYALTY, target_id=str(entry.pk))
    assert logged.user_id == root.pk
    down = points_adjust(customer=customer, points=-25, reason="Correction", actor=root)
    assert down.points == -25 and balance(customer) == 50


@pytest.mark.parametrize(
    ("points", "reason"),
    [(0, "no change"), (1_000_001, "too many"), (10, ""), (10, "  "), (10, "x" * 301), ("10", "s")],
)
def test_bad_adjustments_are_refused(alice, root, points, reason):
    with pytest.raises(LoyaltyError):
        points_adjust(customer=alice.customer, points=points, reason=reason, actor=root)
    assert not PointsEntry.objects.exists()


def test_adjustment_cannot_take_the_balance_below_zero(alice, root):
    earn(alice.customer, 10)
    with pytest.raises(LoyaltyError) as error:
        points_adjust(customer=alice.customer, points=-11, reason="Too much", actor=root)
    assert "points" in error.value.fields
    assert balance(alice.customer) == 10


@pytest.mark.parametrize("who", ["ada", "alice", None])
def test_only_admins_adjust(alice, ada, who):
    actor = {"ada": ada, "alice": alice, None: None}[who]
    with pytest.raises(PermissionDenied):
        points_adjust(customer=alice.customer, points=5, reason="Please", actor=actor)
    assert not PointsEntry.objects.exists()
