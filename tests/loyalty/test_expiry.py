"""Points expire oldest first (FIFO) after LOYALTY_POINTS_EXPIRE_DAYS, never below zero,
once per day's pass; customers are told LOYALTY_EXPIRY_NOTICE_DAYS before, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from loyalty.models import ExpiryNotice, PointsEntry, Redemption
from loyalty.services.expiry import expiry_notices_pass, points_expire_pass
from loyalty.services.ledger import account_for, ledger_sum
from loyalty.services.rewards import reward_redeem
from portal.models import Notification
from tests.loyalty.g_builders import give, reward

pytestmark = pytest.mark.django_db


@pytest.fixture
def days(settings):
    settings.LOYALTY_POINTS_EXPIRE_DAYS = 100
    settings.LOYALTY_EXPIRY_NOTICE_DAYS = 10
    return timezone.now() - timedelta(days=300)


def expired(customer) -> int:
    return -sum(
        PointsEntry.objects.filter(customer=customer, kind="expire").values_list(
            "points", flat=True
        )
    )


def test_fifo_spends_the_oldest_points_first(alice, days):
    t0 = days
    customer = alice.customer
    give(customer, 100, at=t0)
    give(customer, 50, at=t0 + timedelta(days=20))
    reward_redeem(customer=customer, reward=reward(cost=120), now=t0 + timedelta(days=30))
    assert ledger_sum(customer) == 30
    # day 101: the first 100 points are due, but 100 of the 120 redeemed came from them
    assert points_expire_pass(now=t0 + timedelta(days=101)) == 0
    assert expired(customer) == 0
    # day 121: the second earn is due; 20 of it were spent: 30 expire
    assert points_expire_pass(now=t0 + timedelta(days=121)) == 1
    assert expired(customer) == 30
    assert ledger_sum(customer) == 0 == account_for(customer).balance


def test_the_pass_is_idempotent_and_never_goes_below_zero(alice, bob, days):
    t0 = days
    give(alice.customer, 80, at=t0)
    give(bob.customer, 40, at=t0)
    give(bob.customer, 25, at=t0 + timedelta(days=90))
    later = t0 + timedelta(days=101)
    assert points_expire_pass(now=later) == 2
    assert points_expire_pass(now=later + timedelta(hours=1)) == 0
    assert points_expire_pass(now=later + timedelta(days=1)) == 0
    assert expired(alice.customer) == 80 and ledger_sum(alice.customer) == 0
    assert expired(bob.customer) == 40 and ledger_sum(bob.customer) == 25
    for customer in (alice.customer, bob.customer):
        assert account_for(customer).balance == ledger_sum(customer) >= 0


def test_nothing_expires_before_its_date(alice, days):
    give(alice.customer, 10, at=days)
    assert points_expire_pass(now=days + timedelta(days=99)) == 0
    assert ledger_sum(alice.customer) == 10


def test_reward_codes_past_their_date_are_marked_expired(alice):
    give(alice.customer, 100)
    redemption = reward_redeem(customer=alice.customer, reward=reward(cost=10, valid_days=5))
    points_expire_pass(now=timezone.now() + timedelta(days=6))
    redemption.refresh_from_db()
    assert redemption.state == Redemption.State.EXPIRED


def test_notice_is_sent_once_before_points_expire(alice, amy, days, mailoutbox):
    t0 = days
    give(alice.customer, 70, at=t0)
    give(amy.customer, 70, at=t0 + timedelta(days=50))
    now = t0 + timedelta(days=95)  # alice's points expire in 5 days; amy's in 55
    assert expiry_notices_pass(now=now) == 1
    assert expiry_notices_pass(now=now + timedelta(days=1)) == 0
    notice = ExpiryNotice.objects.get()
    assert notice.customer == alice.customer and notice.points == 70
    assert Notification.objects.filter(user=alice, kind="loyalty_expiry").count() == 1
    assert len([m for m in mailoutbox if "expire" in m.subject]) <= 1
    assert not Notification.objects.filter(user=amy).exists()


def test_no_notice_when_the_points_were_spent(alice, days):
    t0 = days
    give(alice.customer, 70, at=t0)
    reward_redeem(customer=alice.customer, reward=reward(cost=70), now=t0 + timedelta(days=1))
    assert expiry_notices_pass(now=t0 + timedelta(days=95)) == 0
    assert mail.outbox == []
