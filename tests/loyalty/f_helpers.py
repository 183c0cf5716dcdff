"""Helpers for helper F's loyalty tests (ledger, earning, tiers, badges, SLA by tier)."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from loyalty.models import Account, PointsEntry
from loyalty.services.earning import interactions_process
from loyalty.services.ledger import account_for, points_earn
from portal.models import Customer
from portal.services.purchases import PurchaseRow, purchases_import

_sources = itertools.count(1)


def earn(customer: Customer, points: int, *, at: datetime | None = None, rule: str = ""):
    """Earn ``points`` from a one-off source."""
    return points_earn(
        customer=customer,
        rule=rule,
        points=points,
        source_type="test",
        source_id=f"f-{next(_sources)}",
        reason="Test points",
        at=at or timezone.now(),
    )


def buy(customer: Customer, amount: str, ref: str, *, at: datetime | None = None) -> None:
    """Import one purchase (or a refund: a negative amount) for ``customer``."""
    purchases_import(
        rows=[
            PurchaseRow(
                customer_ref=customer.customer_ref,
                ordered_at=at or timezone.now(),
                amount=Decimal(amount),
                currency="EUR",
                product_id=None,
                order_ref=ref,
            )
        ]
    )


def ledger_sum(customer: Customer) -> int:
    return (
        PointsEntry.objects.filter(customer=customer).aggregate(total=Sum("points"))["total"] or 0
    )


def balance(customer: Customer) -> int:
    """The cached balance, checked against the ledger on every read."""
    account = Account.objects.get(pk=account_for(customer).pk)
    assert account.balance == ledger_sum(customer), "cache != ledger sum"
    return account.balance


def process() -> int:
    return interactions_process()
