"""The catalogue's demo data: every built-in automation and a manual item, cards for the
personas, months of history, current persona requests; idempotent and silent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from catalogue import demo
from catalogue.automations import registry
from catalogue.models import CatalogueItem, PaymentCard, RequestStatus, ServiceRequest
from portal.models import Customer, Interaction, Product, Purchase
from tickets.models import Queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(alice, amy, bob, carol, ada, monkeypatch):
    monkeypatch.setattr(demo, "HISTORY_REQUESTS", 40)
    amy.customer.customer_ref = "C-1001"  # the demo's Amy
    amy.customer.save()
    Customer.objects.bulk_create(
        Customer(customer_ref=f"C-{1002 + n}", name=f"Demo {n}") for n in range(35)
    )
    for slug in ("fibre-broadband", "mobile-plan"):
        Product.objects.create(name=slug, slug=slug)
    for slug in ("general", "billing-banking", "connectivity", "entertainment"):
        Queue.objects.create(name=slug, slug=slug, is_default=slug == "general")
    Purchase.objects.create(
        customer=alice.customer,
        ordered_at=timezone.now() - timedelta(days=3),
        amount="39.90",
        source="demo",
        order_ref="DEMO-1",
    )


def test_seed_is_complete_idempotent_and_silent(world, alice, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        summary = demo.seed(now=now)
    assert summary.startswith("10 items")
    fulfilments = set(CatalogueItem.objects.values_list("fulfilment", flat=True))
    builtin = {key for key in registry.keys() if not key.startswith("test_")}  # noqa: SIM118
    assert builtin <= fulfilments
    assert "manual" in fulfilments
    assert PaymentCard.objects.filter(customer=alice.customer).count() == 2
    history = ServiceRequest.objects.filter(idempotency_key__startswith="demo-0")
    assert history.count() >= 20
    oldest = history.order_by("created_at").first().created_at
    assert now - oldest > timedelta(days=60), "a few months of requests"
    statuses = set(history.values_list("status", flat=True))
    assert {RequestStatus.FULFILLED, RequestStatus.REJECTED} <= statuses
    assert history.filter(automated=False, status="fulfilled").exists()
    current = ServiceRequest.objects.filter(idempotency_key__startswith="demo-now")
    assert set(current.values_list("item__slug", "status")) == {
        ("invoice-copy", "fulfilled"),
        ("lost-card", "fulfilled"),
        ("replacement-device", "awaiting_approval"),
    }
    assert PaymentCard.objects.get(customer=alice.customer, last_four="5454").status == "blocked"
    assert Interaction.objects.filter(kind="catalogue_fulfilled").count() >= 20
    assert mail.outbox == [], "demo data mails nobody"

    counts = (
        ServiceRequest.objects.count(),
        Interaction.objects.count(),
        CatalogueItem.objects.count(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = demo.seed(now=now + timedelta(hours=2))
    assert again == "0 items, 0 past requests, 0 current requests for the personas"
    assert counts == (
        ServiceRequest.objects.count(),
        Interaction.objects.count(),
        CatalogueItem.objects.count(),
    )
