"""Catalogue fixtures: a category, one item per built-in automation and a manual one, cards,
subscriptions and purchases for the personas, and ``submit(user, item, data)``.

``make_item(slug, fulfilment, fields=[...], **extra)`` builds an item with its form rows.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from catalogue.models import (
    Audience,
    CatalogueCategory,
    CatalogueItem,
    FieldType,
    FormField,
    PaymentCard,
)
from catalogue.services import request_submit
from portal.models import Product, Purchase, Subscription
from tickets.models import Queue


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()


@pytest.fixture
def category(db) -> CatalogueCategory:
    return CatalogueCategory.objects.create(name="Account", slug="account")


@pytest.fixture
def fibre(db) -> Product:
    return Product.objects.create(name="Fibre 1000", slug="fibre-1000")


@pytest.fixture
def queue(ada) -> Queue:
    from portal.models import Team

    return Queue.objects.create(
        name="Requests", slug="requests", team=Team.objects.get(slug="support"), is_default=True
    )


def field(key, field_type=FieldType.SHORT_TEXT, label=None, **extra) -> FormField:
    return FormField(
        key=key, label=label or key.replace("_", " ").capitalize(), field_type=field_type, **extra
    )


@pytest.fixture
def make_item(category):
    def make(slug, fulfilment="manual", fields=(), **extra) -> CatalogueItem:
        item = CatalogueItem(
            name=extra.pop("name", slug.replace("-", " ").capitalize()),
            slug=slug,
            short_description=extra.pop("short_description", f"Request {slug}"),
            category=extra.pop("category", category),
            fulfilment=fulfilment,
            **extra,
        )
        item.full_clean()
        item.save()
        for position, row in enumerate(fields):
            row.item = item
            row.sort_order = position
            row.full_clean()
            row.save()
        return item

    return make


@pytest.fixture
def items(make_item, fibre, queue):
    """One item per built-in automation, a manual one and a subscribers-only one."""
    return {
        "password": make_item(
            "password-reset", "password_reset", [field("email", FieldType.EMAIL)]
        ),
        "email": make_item("change-email", "change_email", [field("new_email", FieldType.EMAIL)]),
        "cancel": make_item(
            "cancel-subscription",
            "subscription_cancel",
            [
                field("subscription", FieldType.SUBSCRIPTION),
                field("effective_date", FieldType.DATE, required=False),
            ],
        ),
        "pause": make_item(
            "pause-subscription",
            "subscription_pause",
            [
                field("subscription", FieldType.SUBSCRIPTION),
                field("resume_on", FieldType.DATE, required=False),
            ],
        ),
        "invoice": make_item(
            "invoice-copy", "invoice_copy", [field("purchase", FieldType.PURCHASE)]
        ),
        "card": make_item(
            "lost-card",
            "card_block",
            [field("last_four", pattern=r"\d{4}", label="Last four digits")],
            queue=queue,
        ),
        "manual": make_item(
            "new-line",
            "manual",
            [field("address", FieldType.LONG_TEXT), field("urgent", FieldType.YES_NO)],
            queue=queue,
        ),
        "seats": make_item(
            "extra-seats",
            "manual",
            [field("seats", FieldType.NUMBER, min_value=Decimal(1), max_value=Decimal(50))],
            audience=Audience.ORG_ADMINS,
        ),
        "fibre_only": make_item(
            "fibre-speed-test",
            "manual",
            [],
            audience=Audience.SUBSCRIBERS,
            audience_product=fibre,
        ),
    }


@pytest.fixture
def alice_sub(alice, fibre) -> Subscription:
    return Subscription.objects.create(customer=alice.customer, product=fibre, since=timezone.now())


@pytest.fixture
def alice_purchase(alice, fibre) -> Purchase:
    return Purchase.objects.create(
        customer=alice.customer,
        ordered_at=timezone.now(),
        amount="49.90",
        currency="EUR",
        product=fibre,
        source="test",
        order_ref="ORD-1001",
    )


@pytest.fixture
def alice_card(alice) -> PaymentCard:
    return PaymentCard.objects.create(customer=alice.customer, last_four="4242", brand="Visa")


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """``submit(user, item, data, key=None, run=True)``: through the service, with the
    after-commit fulfilment run (the immediate task backend) unless ``run=False``."""

    def go(user, item, data, key=None, run=True, **extra):
        key = key or uuid.uuid4().hex
        with django_capture_on_commit_callbacks(execute=run):
            request, _created = request_submit(
                item=item, submitted_by=user, data=data, idempotency_key=key, **extra
            )
        request.refresh_from_db()
        return request

    return go
