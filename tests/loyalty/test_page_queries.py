"""The loyalty page and the balance API run a fixed number of queries, however long the
customer's history and wallet grow (issue 15: p95 < 50 ms at 1M ledger rows)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.services.rewards import reward_redeem
from tests.loyalty.g_builders import give, outage_code, reward

pytestmark = pytest.mark.django_db


def _grow(customer, n: int) -> None:
    offer = reward(f"Offer {n}", cost=1)
    for i in range(n):
        give(customer, 5)
        reward_redeem(customer=customer, reward=offer)
        outage_code(customer, code=f"SORRY-{n}-{i}")


def _count(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("url", ["/me/loyalty/", "/api/v1/loyalty/me", "/me/"])
def test_query_count_does_not_grow_with_history_and_wallet(client_for, alice, url):
    client = client_for(alice)
    _grow(alice.customer, 1)
    client.get(url)  # warm caches (session, tiers)
    small, _sql = _count(client, url)
    _grow(alice.customer, 12)
    large, sql = _count(client, url)
    assert large == small, "\n".join(sql)


#: session, user, customer, groups, unread notifications (the layout); account with tier and
#: 12-month earnings, next tier, rewards, one history page, outage grants, reward codes,
#: badges, referral counts. Was 15 (a COUNT over the ledger, the earnings on their own).
PAGE_QUERIES = 13


def test_loyalty_page_query_budget(client_for, alice):
    client = client_for(alice)
    _grow(alice.customer, 3)
    client.get("/me/loyalty/")
    count, sql = _count(client, "/me/loyalty/")
    assert count <= PAGE_QUERIES, "\n".join(sql)
