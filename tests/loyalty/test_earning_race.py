"""Earning at the same moment from several processes (the listener's pass and the periodic
pass, or two workers): one earn per source, cache == ledger. Real threads on PostgreSQL
(each on its own connection); SQLite runs the calls one after the other."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from loyalty.models import Account, PointsEntry
from loyalty.services.earning import interactions_process
from loyalty.services.ledger import points_earn
from tests.concurrency import together
from tests.conftest import make_customer, make_user

from .f_helpers import buy

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_source_earned_at_once_is_one_row():
    customer = make_customer(make_user("race@example.com", full_name="Race"), ref="C-RACE")

    def earn():
        return points_earn(
            customer=customer,
            rule="",
            points=10,
            source_type="race",
            source_id="1",
            reason="Race",
        ).pk

    results = together(earn, 4)
    assert len(set(results)) == 1, results
    assert PointsEntry.objects.filter(customer=customer).count() == 1
    assert Account.objects.get(customer=customer).balance == 10


def test_two_passes_at_once_earn_each_purchase_once():
    customer = make_customer(make_user("pass@example.com", full_name="Pass"), ref="C-PASS")
    for n in range(20):
        buy(customer, "10.00", f"RACE-{n}")
    together(interactions_process, 3)
    rows = PointsEntry.objects.filter(customer=customer)
    assert rows.count() == 20
    total = rows.aggregate(total=Sum("points"))["total"]
    assert total == 200 == Account.objects.get(customer=customer).balance
