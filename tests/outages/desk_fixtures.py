"""Shared set-up of the desk, linking and admin tests: Fibre in the north, where alice and
amy subscribe (amy in Italian), bob subscribes in the south, carol only to TV."""

from __future__ import annotations

import pytest
from django.utils import timezone

from outages import services
from portal.models import Product, Subscription


@pytest.fixture
def fibre(db) -> Product:
    return Product.objects.create(name="Fibre 1000", slug="fibre-1000")


@pytest.fixture
def tv(db) -> Product:
    return Product.objects.create(name="TV Premium", slug="tv-premium")


@pytest.fixture
def subscribed(alice, amy, bob, carol, fibre, tv):
    now = timezone.now()
    Subscription.objects.create(customer=alice.customer, product=fibre, region="north", since=now)
    Subscription.objects.create(customer=amy.customer, product=fibre, region="north", since=now)
    Subscription.objects.create(customer=bob.customer, product=fibre, region="south", since=now)
    Subscription.objects.create(customer=carol.customer, product=tv, region="north", since=now)
    amy.customer.language = "it"
    amy.customer.save(update_fields=["language"])
    return fibre


def declare(product, *, title="Fibre down in the north", region="north", **kwargs):
    return services.incident_declare(
        title=title,
        products=[product],
        impact="major",
        message="We are looking into it.",
        region=region,
        **kwargs,
    )
