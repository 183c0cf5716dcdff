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
