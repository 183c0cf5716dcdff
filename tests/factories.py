"""Builders for bulk data (factory_boy): customers, products, subscriptions and purchases.

Every field has a sensible default, unique where the model needs it, so a test names only what
it is about::

    fibre = ProductFactory(name="Fibre 1000")
    SubscriptionFactory.create_batch(3, product=fibre, region="north")
    PurchaseFactory(customer=alice.customer, amount="49.90", product=fibre)

``create`` writes through the model's ``save`` (``objects.create``); use
``factory.build_batch`` + ``bulk_create`` when thousands of rows are needed. Personas stay in
``tests/conftest.py``; these are for the anonymous crowd around them.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from portal.models import Customer, Product, Purchase, Subscription, User


class UserFactory(factory.django.DjangoModelFactory):
    """A customer's login (no usable password: tests that sign in use ``force_login``)."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer without a login; ``CustomerFactory(user=UserFactory())`` for one with."""

    class Meta:
        model = Customer

    customer_ref = factory.Sequence(lambda n: f"C-{n:05d}")
    name = factory.LazyAttribute(lambda c: c.user.full_name if c.user else c.customer_ref)
    email = factory.LazyAttribute(
        lambda c: c.user.email if c.user else f"{c.customer_ref.lower()}@example.com"
    )
    user = None


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """An active subscription since now (``status``, ``since``, ``ended_at`` to say more)."""

    class Meta:
        model = Subscription

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    since = factory.LazyFunction(timezone.now)


class PurchaseFactory(factory.django.DjangoModelFactory):
    """An order of 10.00 EUR placed now, with a unique order reference."""

    class Meta:
        model = Purchase

    customer = factory.SubFactory(CustomerFactory)
    ordered_at = factory.LazyFunction(timezone.now)
    amount = Decimal("10.00")
    currency = "EUR"
    source = "test"
    order_ref = factory.Sequence(lambda n: f"ORD-T{n:06d}")
