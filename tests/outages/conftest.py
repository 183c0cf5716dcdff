"""Fixtures for the outage tests: services customers subscribe to and incidents built through
the services (declare, publish, post updates, resolve), at chosen times."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from outages import services
from outages.models import CompensationOffer, Incident
from portal.models import Product, Subscription


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The status body, the banner and "already viewed" marks are cached."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fibre_svc(db) -> Product:
    return Product.objects.create(name="Fibre Broadband", slug="fibre-broadband")


@pytest.fixture
def mobile_svc(db) -> Product:
    return Product.objects.create(name="Mobile Plan", slug="mobile-plan")


@pytest.fixture
def subscribed(alice, amy, bob, fibre_svc, mobile_svc):
    """alice has fibre (north); bob has mobile; amy (alice's colleague) has nothing."""
    now = timezone.now()
    Subscription.objects.create(
        customer=alice.customer, product=fibre_svc, region="north", since=now
    )
    Subscription.objects.create(customer=bob.customer, product=mobile_svc, since=now)
    return fibre_svc


def make_incident(
    products,
    *,
    title: str = "Fibre outage in the north",
    impact: str = "partial",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    publish: bool = True,
    resolve: bool = False,
    region: str = "",
    updates: tuple[str, ...] = (),
    offer: tuple[str, str] | None = None,
) -> Incident:
    """Declare (and by default publish) an incident; ``resolve`` ends it at ``ends_at``."""
    incident = services.incident_declare(
        title=title,
        products=products,
        impact=impact,
        message="We are looking into it.",
        region=region,
        starts_at=starts_at,
        ends_at=ends_at if not resolve else None,
    )
    if offer is not None:
        CompensationOffer.objects.create(incident=incident, kind=offer[0], amount=Decimal(offer[1]))
    if publish:
        services.incident_publish(incident=incident)
    for message in updates:
        services.incident_update_post(incident=incident, status="identified", message=message)
    if resolve:
        services.incident_resolve(incident=incident, message="Fixed.")
        if ends_at is not None:
            Incident.objects.filter(pk=incident.pk).update(ends_at=ends_at)
    incident.refresh_from_db()
    return incident


def days_ago(days: float, *, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)
