"""``POST /api/v1/loyalty/codes/redeem``: a shop redeems any wallet code (a reward's, an
outage's discount code) with an integration token, idempotently by order reference."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from loyalty.models import Redemption
from loyalty.services.rewards import reward_redeem
from outages.models import CompensationGrant
from portal.models import Interaction
from tests.loyalty.g_builders import give, integration_token, outage_code, personal_token, reward

pytestmark = pytest.mark.django_db
URL = "/api/v1/loyalty/codes/redeem"


@pytest.fixture
def shop(root) -> str:
    """An integration token's secret (the shop)."""
    return integration_token(root)


@pytest.fixture
def redemption(alice):
    give(alice.customer, 200)
    return reward_redeem(customer=alice.customer, reward=reward(cost=100))


def post(client, token: str, body):
    return client.post(
        URL, body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )


def test_reward_code_is_used_once_and_replayed_for_the_same_order(client, shop, redemption):
    first = post(client, shop, {"code": redemption.code.lower(), "order_ref": "ORD-1"})
    assert first.status_code == 200, first.content
    assert first.json()["state"] == "used" and first.json()["replayed"] is False
    again = post(client, shop, {"code": redemption.code, "order_ref": "ORD-1"})
    assert again.status_code == 200 and again.json()["replayed"] is True
    other = post(client, shop, {"code": redemption.code, "order_ref": "ORD-2"})
    assert other.status_code == 409
    assert "already been used" in other.json()["detail"]
    redemption.refresh_from_db()
    assert (redemption.state, redemption.order_ref) == ("used", "ORD-1")
    assert Interaction.objects.filter(kind="loyalty", metadata__event="code_used").count() == 1


def test_unknown_code_is_404(client, shop):
    response = post(client, shop, {"code": "LOY-NOPE1-NOPE2", "order_ref": "ORD-1"})
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Unknown code")


def test_expired_code_is_409(client, shop, redemption):
    Redemption.objects.filter(pk=redemption.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = post(client, shop, {"code": redemption.code, "order_ref": "ORD-1"})
    assert response.status_code == 409 and "expired" in response.json()["detail"]


def test_outage_discount_code_redeems_through_the_same_endpoint(client, shop, bob):
    grant = outage_code(bob.customer)
    first = post(client, shop, {"code": "sorry-abc123", "order_ref": "SHOP-9"})
    assert first.status_code == 200, first.content
    assert first.json()["source"] == "outages" and first.json()["kind"] == "discount_code"
    grant.refresh_from_db()
    assert grant.redeemed_at is not None
    assert post(client, shop, {"code": grant.code, "order_ref": "SHOP-9"}).json()["replayed"]
    assert post(client, shop, {"code": grant.code, "order_ref": "SHOP-10"}).status_code == 409
    assert CompensationGrant.objects.get(pk=grant.pk).redeemed_at == grant.redeemed_at


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": "", "order_ref": "A"},
        {"code": "X", "order_ref": ""},
        {"code": "X" * 65, "order_ref": "A"},
        {"code": "X", "order_ref": "A" * 101},
        {"code": "X", "order_ref": "A", "amount": 3},
        {"code": "bad code!", "order_ref": "A"},
        {"code": 12, "order_ref": "A"},
    ],
)
def test_bad_input_is_422(client, shop, body):
    assert post(client, shop, body).status_code == 422


def test_people_may_not_redeem_codes(client, alice, redemption):
    response = post(client, personal_token(alice), {"code": redemption.code, "order_ref": "A"})
    assert response.status_code == 403
    redemption.refresh_from_db()
    assert redemption.state == "active"


def test_customer_api_me_wallet_and_redeem(client, alice):
    give(alice.customer, 150)
    offer = reward(cost=100)
    token = personal_token(alice)
    auth = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/loyalty/me", headers=auth).json()
    assert me["balance"] == 150 and me["tier"]["slug"] == "bronze"
    made = client.post(
        f"/api/v1/loyalty/rewards/{offer.pk}/redeem",
        {},
        content_type="application/json",
        headers=auth,
    )
    assert made.status_code == 201 and made.json()["code"].startswith("LOY-")
    again = client.post(
        f"/api/v1/loyalty/rewards/{offer.pk}/redeem",
        {},
        content_type="application/json",
        headers=auth,
    )
    assert again.status_code == 409
    wallet = client.get("/api/v1/loyalty/me/wallet", headers=auth).json()
    assert [item["code"] for item in wallet] == [made.json()["code"]]
    history = client.get("/api/v1/loyalty/me/history?limit=1", headers=auth).json()
    assert history["count"] == 2 and history["items"][0]["points"] == -100
    assert client.get("/api/v1/loyalty/me/history?limit=0", headers=auth).status_code == 422
