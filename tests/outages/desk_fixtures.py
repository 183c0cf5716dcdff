"""Shared set-up of the desk, linking and admin tests: Fibre in the north, where alice and
amy subscribe (amy in Italian), bob subscribes in the south, carol only to TV."""

from __future__ import annotations

import pytest

from outages import services
from portal.models import Product
from tests.factories import SubscriptionFactory


@pytest.fixture
def fibre(db) -> Product:
    return Product.objects.create(name="Fibre 1000", slug="fibre-1000")


@pytest.fixture
def tv(db) -> Product:
    return Product.objects.create(name="TV Premium", slug="tv-premium")


@pytest.fixture
def subscribed(alice, amy, bob, carol, fibre, tv):
    for who, product, region in [
        (alice, fibre, "north"),
        (amy, fibre, "north"),
        (bob, fibre, "south"),
        (carol, tv, "north"),
    ]:
        SubscriptionFactory(customer=who.customer, product=product, region=region)
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
