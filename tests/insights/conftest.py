"""Small builders for hand-computed insights data sets."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

import pytest
from django.core.cache import cache
from django.utils import timezone

from insights.models import Survey, SurveyKind, SurveyTrigger
from portal.models import Customer, Purchase

_refs = count(1)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The per-customer pass is cached under the rollups' state (``customer_pass``); a
    test's rolled-up days must not find an earlier test's numbers."""
    cache.clear()
    yield
    cache.clear()


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """An aware UTC datetime (tests run with TIME_ZONE=UTC unless they override it)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def customer(name: str, **fields) -> Customer:
    return Customer.objects.create(customer_ref=f"T-{name}", name=name, **fields)


def buy(who: Customer, when: datetime, amount, **fields) -> Purchase:
    return Purchase.objects.create(
        customer=who,
        ordered_at=when,
        amount=Decimal(str(amount)),
        order_ref=f"O-{next(_refs)}",
        source="test",
        **fields,
    )


def answer(who: Customer, kind: str, score: int, when: datetime, **fields) -> Survey:
    return Survey.objects.create(
        customer=who,
        kind=kind,
        trigger=SurveyTrigger.SCHEDULE,
        trigger_ref=f"R-{next(_refs)}",
        sent_at=when,
        expires_at=when + timezone.timedelta(days=14),
        answered_at=when,
        score=score,
        **fields,
    )


@pytest.fixture
def utc(settings):
    settings.TIME_ZONE = "UTC"
    timezone.activate("UTC")
    yield
    timezone.deactivate()


__all__ = ["SurveyKind", "answer", "at", "buy", "customer"]
