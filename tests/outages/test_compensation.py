from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from outages import services
from outages.models import CompensationGrant, CompensationOffer, IncidentAudience
from portal.models import Interaction, Product, Subscription


@pytest.fixture
def incident(alice, bob):
    fibre = Product.objects.create(name="Fibre", slug="fibre")
    Subscription.objects.create(customer=alice.customer, product=fibre, since=timezone.now())
    incident = services.incident_declare(
        title="Down", products=[fibre], impact="major", message="x"
    )
    IncidentAudience.objects.create(incident=incident, customer=alice.customer)
    return incident


def test_grant_once_and_only_to_affected(incident, alice, bob):
    CompensationOffer.objects.create(incident=incident, kind="credit", amount=Decimal("5"))
    first = services.compensation_grant(incident=incident, customer=alice.customer, claimed=True)
    again = services.compensation_grant(incident=incident, customer=alice.customer)
    assert first.pk == again.pk and first.amount == Decimal("5") and first.claimed
    assert CompensationGrant.objects.count() == 1
    assert Interaction.objects.filter(kind="compensation").count() == 1
    with pytest.raises(services.CompensationError):
        services.compensation_grant(incident=incident, customer=bob.customer)


def test_no_offer_is_refused(incident, alice):
    with pytest.raises(services.CompensationError):
        services.compensation_grant(incident=incident, customer=alice.customer)


def test_discount_code_random_and_single_use(incident, alice):
    CompensationOffer.objects.create(incident=incident, kind="discount", amount=Decimal("10"))
    grant = services.compensation_grant(incident=incident, customer=alice.customer)
    assert grant.code.startswith("SORRY-") and len(grant.code) == 18
    assert services.discount_redeem(code=grant.code.lower()).redeemed_at is not None
    with pytest.raises(services.CompensationError):
        services.discount_redeem(code=grant.code)
    with pytest.raises(services.CompensationError):
        services.discount_redeem(code="SORRY-NOPE")


def test_automatic_offer_granted_on_fan_out(incident, alice, django_capture_on_commit_callbacks):
    CompensationOffer.objects.create(
        incident=incident, kind="points", amount=Decimal("100"), automatic=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=incident)
    services.notices_send(incident_id=incident.pk)
    assert list(CompensationGrant.objects.values_list("customer", "kind")) == [
        (alice.customer.pk, "points")
    ]
