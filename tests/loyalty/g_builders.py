"""Builders for helper G's loyalty tests (rewards, codes, referrals, expiry, pages)."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from loyalty.models import Reward, Tier
from loyalty.services.ledger import account_for, points_earn
from portal.models import ApiToken, Customer

_sources = itertools.count(1)


def give(customer: Customer, points: int, *, at: datetime | None = None):
    """Earn ``points`` for ``customer`` from a one-off source (no rule, no cap)."""
    return points_earn(
        customer=customer,
        rule="",
        points=points,
        source_type="test",
        source_id=f"g-{next(_sources)}",
        reason="Test points",
        at=at or timezone.now(),
    )


def reward(name: str = "10 euro off", *, cost: int = 100, kind=Reward.Kind.DISCOUNT_CODE, **extra):
    extra.setdefault("value", Decimal("10.00"))
    return Reward.objects.create(name=name, kind=kind, cost=cost, **extra)


def set_tier(customer: Customer, slug: str) -> None:
    account = account_for(customer)
    account.tier = Tier.objects.get(slug=slug)
    account.save(update_fields=["tier"])


def integration_token(user) -> str:
    from portal.services.tokens import api_token_create

    _token, raw = api_token_create(name="shop", kind=ApiToken.Kind.INTEGRATION, user=user)
    return raw


def personal_token(user) -> str:
    from portal.services.tokens import api_token_create

    _token, raw = api_token_create(name="me", kind=ApiToken.Kind.PERSONAL, user=user)
    return raw


def outage_code(customer: Customer, *, kind: str = "discount", code: str = "SORRY-ABC123"):
    """An outage compensation grant for ``customer`` (a discount code or a service credit)."""
    from outages.models import CompensationGrant, Incident

    incident = Incident.objects.create(title="Fibre outage", impact="major")
    return CompensationGrant.objects.create(
        incident=incident,
        customer=customer,
        kind=kind,
        amount=Decimal("5.00"),
        code=code if kind == "discount" else "",
    )
