"""The loyalty demo: personas in different tiers with histories, a converted referral, codes
in their wallets, badges; idempotent and silent."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from loyalty import demo
from loyalty.models import PointsEntry, Redemption, Referral
from loyalty.services.ledger import account_for, ledger_sum
from portal.wallet import wallet_items

pytestmark = pytest.mark.django_db


def test_demo_gives_personas_tiers_histories_a_referral_and_codes(alice, amy, bob, carol):
    summary = demo.seed(now=timezone.now())
    assert "4 personas" in summary
    tiers = {u.email: account_for(u.customer).tier.slug for u in (alice, amy, bob, carol)}
    assert tiers == {
        "alice@example.com": "gold",
        "bob@example.com": "silver",
        "carol@example.com": "bronze",
        "amy@example.com": "bronze",
    }
    referral = Referral.objects.get(referrer=alice.customer)
    assert referral.status == "converted"
    states = sorted(item.state for item in wallet_items(alice.customer))
    assert states == ["active", "used"]
    assert [item.kind for item in wallet_items(bob.customer)] == ["donation"]
    for user in (alice, amy, bob, carol):
        assert account_for(user.customer).balance == ledger_sum(user.customer) > 0
    assert mail.outbox == []


def test_demo_is_idempotent(alice, amy, bob, carol):
    now = timezone.now()
    demo.seed(now=now)
    counts = (PointsEntry.objects.count(), Redemption.objects.count(), Referral.objects.count())
    assert "0 personas" in demo.seed(now=now)
    assert counts == (
        PointsEntry.objects.count(),
        Redemption.objects.count(),
        Referral.objects.count(),
    )
