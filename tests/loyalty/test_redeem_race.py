"""Concurrent redemptions on PostgreSQL (threads released together, each on its own
connection; SQLite runs them one after the other): never a negative balance, never a code
issued or used twice."""

from __future__ import annotations

import pytest
from django.db import connection

from loyalty.models import Redemption
from loyalty.services.codes import code_redeem
from loyalty.services.errors import LoyaltyError
from loyalty.services.ledger import account_for, ledger_sum
from loyalty.services.rewards import reward_redeem
from portal.services.errors import ServiceError
from tests.concurrency import together
from tests.loyalty.g_builders import give, reward

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def test_parallel_redemptions_never_overspend(alice):
    customer = alice.customer
    give(customer, 300)
    offer = reward(cost=100)
    outcomes = together(
        lambda: reward_redeem(customer=customer, reward=offer), THREADS, catching=(LoyaltyError,)
    )
    made = [o for o in outcomes if isinstance(o, Redemption)]
    refused = [o for o in outcomes if isinstance(o, LoyaltyError)]
    assert len(made) == 3 and len(refused) == THREADS - 3, connection.vendor
    assert all(error.status_code == 409 for error in refused)
    assert len({r.code for r in made}) == 3 == Redemption.objects.count()
    assert ledger_sum(customer) == 0 == account_for(customer).balance


def test_parallel_code_uses_for_different_orders_use_it_once(alice):
    give(alice.customer, 100)
    code = reward_redeem(customer=alice.customer, reward=reward(cost=100)).code
    orders = iter(range(THREADS))
    outcomes = together(
        lambda: code_redeem(code=code, order_ref=f"ORDER-{next(orders)}"),
        THREADS,
        catching=(ServiceError,),
    )
    used = [o for o in outcomes if not isinstance(o, ServiceError)]
    assert len(used) == 1 and not used[0].replayed
    assert all(o.status_code == 409 for o in outcomes if isinstance(o, ServiceError))
    redemption = Redemption.objects.get(code=code)
    assert redemption.state == "used" and redemption.order_ref == used[0].order_ref


def test_parallel_retries_of_one_order_are_replays(alice):
    give(alice.customer, 100)
    code = reward_redeem(customer=alice.customer, reward=reward(cost=100)).code
    outcomes = together(lambda: code_redeem(code=code, order_ref="ORDER-1"), THREADS)
    assert sorted(o.replayed for o in outcomes) == [False] + [True] * (THREADS - 1)
