"""Concurrent claims and redemptions.

On PostgreSQL they run in real threads, each on its own connection, released together by a
barrier; the unique constraint and row locks decide. SQLite serialises writers, so there the
same calls run one after the other (a weaker check, but the test never skips)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from outages import services
from outages.models import CompensationGrant, CompensationOffer, IncidentAudience
from portal.models import Product, Subscription


def run_together(target, n=4):
    if connection.vendor != "postgresql":
        return [_outcome(target) for _ in range(n)]
    results, barrier = [], threading.Barrier(n)

    def worker():
        barrier.wait()
        try:
            results.append(target())
        except services.CompensationError as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_grant_once_and_code_redeems_once(alice):
    fibre = Product.objects.create(name="Fibre", slug="fibre")
    Subscription.objects.create(customer=alice.customer, product=fibre, since=timezone.now())
    incident = services.incident_declare(
        title="Down", products=[fibre], impact="major", message="x"
    )
    IncidentAudience.objects.create(incident=incident, customer=alice.customer)
    CompensationOffer.objects.create(incident=incident, kind="discount", amount=Decimal("10"))
    grants = run_together(
        lambda: services.compensation_grant(
            incident=incident, customer=alice.customer, claimed=True
        )
    )
    assert len({grant.pk for grant in grants}) == 1
    assert CompensationGrant.objects.count() == 1
    code = grants[0].code
    outcomes = run_together(lambda: services.discount_redeem(code=code))
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1


def _outcome(target):
    try:
        return target()
    except services.CompensationError as exc:
        return exc


def _incident_with_audience(customers, *, kind: str, amount: str = "10"):
    fibre = Product.objects.create(name="Fibre", slug="fibre")
    for customer in customers:
        Subscription.objects.create(customer=customer, product=fibre, since=timezone.now())
    incident = services.incident_declare(
        title="Down", products=[fibre], impact="major", message="x"
    )
    for customer in customers:
        IncidentAudience.objects.create(incident=incident, customer=customer)
    CompensationOffer.objects.create(incident=incident, kind=kind, amount=Decimal(amount))
    return incident


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_from_the_notice_record_one_claim(alice):
    """The customer double-clicks (or two tabs claim) at once: one grant, one COMPENSATION
    and one COMPENSATION_CLAIMED interaction; every request gets the same grant."""
    from outages.services import compensation_claim
    from portal.models import Interaction, InteractionKind

    incident = _incident_with_audience([alice.customer], kind="points", amount="500")
    outcomes = run_together(
        lambda: compensation_claim(incident=incident, customer=alice.customer, user=alice), n=6
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len({grant.pk for grant, _now in outcomes}) == 1
    assert sum(claimed_now for _grant, claimed_now in outcomes) == 1
    assert CompensationGrant.objects.get().claimed
    kinds = list(
        Interaction.objects.exclude(kind=InteractionKind.LOYALTY).values_list("kind", flat=True)
    )
    assert sorted(kinds) == sorted(
        [InteractionKind.COMPENSATION, InteractionKind.COMPENSATION_CLAIMED]
    )
    # the points are credited to the loyalty ledger once, however many claims raced
    from loyalty.models import PointsEntry
    from loyalty.services.earning import interactions_process

    interactions_process()
    assert list(PointsEntry.objects.values_list("customer_id", "points")) == [
        (alice.customer.pk, 500)
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_of_many_customers_get_distinct_codes(alice, amy, bob):
    customers = [alice.customer, amy.customer, bob.customer]
    incident = _incident_with_audience(customers, kind="discount")
    queue = list(customers)

    def claim():
        return services.compensation_grant(incident=incident, customer=queue.pop(), claimed=True)

    grants = run_together(claim, n=3)
    codes = [grant.code for grant in grants]
    assert len(set(codes)) == 3 and all(code.startswith("SORRY-") for code in codes)
    assert CompensationGrant.objects.count() == 3
    # each code redeems once, even when both redemptions race
    outcomes = run_together(lambda: services.discount_redeem(code=codes[0].lower()))
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert CompensationGrant.objects.filter(redeemed_at__isnull=False).count() == 1


@pytest.mark.django_db(transaction=True)
def test_automatic_grant_racing_a_claim_grants_once(alice, amy):
    """The fan-out grants an automatic offer in bulk while alice claims it from the notice."""
    incident = _incident_with_audience([alice.customer, amy.customer], kind="credit")
    offer = CompensationOffer.objects.get(incident=incident)
    ids = [alice.customer.pk, amy.customer.pk]
    calls = iter(
        [
            lambda: services.compensation_grant_bulk(
                incident=incident, offer=offer, customer_ids=ids
            ),
            lambda: services.compensation_grant(
                incident=incident, customer=alice.customer, claimed=True
            ),
        ]
    )
    lock = threading.Lock()

    def next_call():
        with lock:
            call = next(calls)
        return call()

    outcomes = run_together(next_call, n=2)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    grants = CompensationGrant.objects.filter(incident=incident)
    assert sorted(grants.values_list("customer_id", flat=True)) == sorted(ids)
    from portal.models import Interaction, InteractionKind

    ledger = Interaction.objects.filter(kind=InteractionKind.COMPENSATION)
    assert sorted(ledger.values_list("customer_id", flat=True)) == sorted(ids)  # one row each
