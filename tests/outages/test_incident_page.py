"""/status/incidents/<id>/: the incident as each persona sees it, "you are affected",
claiming compensation (once), and the notice view recorded once per customer and incident."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, connections

from outages.models import CompensationGrant, StatusSubscription
from outages.services import compensation_claim
from portal.models import Interaction
from tests.outages.conftest import make_incident


def url(incident) -> str:
    return f"/status/incidents/{incident.pk}/"


def kinds(customer, kind: str) -> int:
    return Interaction.objects.filter(kind=kind, customer=customer).count()


@pytest.fixture
def outage(subscribed, fibre_svc):
    return make_incident(
        [fibre_svc],
        region="north",
        updates=("A cable was cut; a crew is on site.",),
        offer=("credit", "7.50"),
    )


def test_everyone_sees_a_published_incident(client_for, outage, bob):
    response = client_for(None).get(url(outage))
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=30"
    html = response.content.decode()
    for text in (
        "Fibre outage in the north",
        "Partial outage",
        "Fibre Broadband",
        "north",
        "We are looking into it.",
        "A cable was cut; a crew is on site.",
    ):
        assert text in html
    assert html.index("A cable was cut") < html.index("We are looking into it.")  # newest first
    assert "You are affected" not in html
    assert "You are affected" not in client_for(bob).get(url(outage)).content.decode()


def test_unpublished_incident_is_a_404_except_for_agents(client_for, fibre_svc, alice, ada):
    draft = make_incident([fibre_svc], publish=False, title="Secret draft")
    assert client_for(None).get(url(draft)).status_code == 404
    assert client_for(alice).get(url(draft)).status_code == 404
    response = client_for(ada).get(url(draft))
    assert response.status_code == 200
    assert "Not published" in response.content.decode()
    assert client_for(None).get("/status/incidents/0/").status_code == 404


def test_affected_customer_sees_it_and_the_offer(client_for, outage, alice, amy):
    html = client_for(alice).get(url(outage)).content.decode()
    assert "You are affected by this incident." in html
    assert "7.50 EUR" in html and "Claim compensation" in html
    assert f"/status/incidents/{outage.pk}/claim/" in html
    other = client_for(amy).get(url(outage)).content.decode()
    assert "You are affected" not in other and "Claim compensation" not in other


def test_claim_grants_once_and_records_both_interactions(client_for, outage, alice):
    client = client_for(alice)
    response = client.post(f"{url(outage)}claim/")
    assert response.status_code == 302
    assert response["Location"] == f"{url(outage)}#compensation"
    grant = CompensationGrant.objects.get()
    assert grant.customer == alice.customer and grant.claimed and grant.amount == Decimal("7.50")
    again = client.post(f"{url(outage)}claim/")
    assert again.status_code == 302
    assert CompensationGrant.objects.count() == 1
    assert kinds(alice.customer, "compensation") == 1
    assert kinds(alice.customer, "compensation_claimed") == 1
    claimed = Interaction.objects.get(kind="compensation_claimed")
    assert claimed.value == Decimal("7.50") and claimed.metadata["incident"] == outage.pk
    html = client.get(url(outage)).content.decode()
    assert "You have received" in html and "7.50 EUR" in html
    assert "Claim compensation" not in html


def test_discount_code_and_points_are_shown(client_for, subscribed, fibre_svc, alice):
    discount = make_incident([fibre_svc], title="Discounted", offer=("discount", "15"))
    points = make_incident([fibre_svc], title="Pointed", offer=("points", "200"))
    client = client_for(alice)
    client.post(f"{url(discount)}claim/")
    client.post(f"{url(points)}claim/")
    code = CompensationGrant.objects.get(incident=discount).code
    assert code.startswith("SORRY-")
    assert code in client.get(url(discount)).content.decode()
    assert "200</span> loyalty points" in client.get(url(points)).content.decode()


def test_claim_refused_for_the_unaffected_and_without_offer(
    client_for, outage, subscribed, fibre_svc, bob, alice, ada
):
    response = client_for(bob).post(f"{url(outage)}claim/")
    assert response.status_code == 403
    assert "You were not affected by this incident." in response.content.decode()
    assert client_for(ada).post(f"{url(outage)}claim/").status_code == 403
    no_offer = make_incident([fibre_svc], title="No offer")
    response = client_for(alice).post(f"{url(no_offer)}claim/")
    assert response.status_code == 403
    assert "This incident has no compensation." in response.content.decode()
    assert not CompensationGrant.objects.exists()
    assert not Interaction.objects.filter(kind__startswith="compensation").exists()


def test_notice_view_recorded_once_per_customer_and_incident(client_for, outage, alice):
    client = client_for(alice)
    for _ in range(3):
        client.get(url(outage))
    cache.clear()  # even without the cache mark, the database says it is done
    client.get(url(outage))
    viewed = Interaction.objects.filter(kind="notice_viewed", customer=alice.customer)
    assert viewed.count() == 1
    assert viewed.get().target_id == str(outage.pk)
    second = make_incident(outage.products.all(), title="Again")
    client.get(url(second))
    assert viewed.count() == 2


def test_notice_view_only_for_customers_who_were_told(
    client_for, outage, alice, amy, bob, ada, mobile_svc, fibre_svc
):
    client_for(None).get(url(outage))
    client_for(ada).get(url(outage))
    client_for(amy).get(url(outage))  # not affected, not following
    assert not Interaction.objects.filter(kind="notice_viewed").exists()
    StatusSubscription.objects.create(customer=bob.customer, product=fibre_svc)
    client_for(bob).get(url(outage))  # a follower got the notice too
    assert kinds(bob.customer, "notice_viewed") == 1


def test_concurrent_claims_record_one_claim(transactional_db, subscribed, fibre_svc, alice):
    """Four claims of the same customer at once: one grant, one COMPENSATION_CLAIMED. Threads
    on PostgreSQL (the customer row lock decides); one after the other on SQLite."""
    incident = make_incident([fibre_svc], offer=("discount", "10"))
    outcomes: list = []

    def claim(barrier):
        try:
            barrier.wait(timeout=10)
            outcomes.append(compensation_claim(incident=incident, customer=alice.customer))
        except Exception as exc:  # surfaced by the assertions below
            outcomes.append(exc)
        finally:
            connections.close_all()

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(4)
        threads = [threading.Thread(target=claim, args=(barrier,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        for _ in range(4):
            claim(threading.Barrier(1))
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert len({grant.pk for grant, _new in outcomes}) == 1
    assert sum(new for _grant, new in outcomes) == 1
    assert Interaction.objects.filter(kind="compensation_claimed").count() == 1
    assert Interaction.objects.filter(kind="compensation").count() == 1
