"""The loyalty programme's tier is a segment of every metric: command, API and bad input."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loyalty.models import Tier
from loyalty.services.ledger import points_earn
from loyalty.services.tiers import tier_evaluate


@pytest.fixture
def gold_alice(alice):
    customer = alice.customer
    gold = Tier.objects.order_by("-rank").first()
    points_earn(
        customer=customer,
        rule="purchase",
        points=gold.threshold + 10,
        source_type="test",
        source_id="gold",
        reason="test",
    )
    tier_evaluate(customer=customer)
    customer.loyalty_account.refresh_from_db()
    assert customer.loyalty_account.tier == gold
    return customer, gold


def _metrics(*args) -> dict:
    out = StringIO()
    call_command("metrics", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_metrics_command_narrows_to_a_loyalty_tier(gold_alice, bob, carol):
    _customer, gold = gold_alice
    points_earn(
        customer=bob.customer,
        rule="purchase",
        points=50,
        source_type="test",
        source_id="bob",
        reason="test",
    )
    everyone = _metrics()
    assert everyone["points_issued"] == gold.threshold + 10 + 50
    assert everyone["loyalty_members"] == 2
    narrowed = _metrics("--loyalty-tier", gold.slug)
    assert narrowed["points_issued"] == gold.threshold + 10
    assert narrowed["loyalty_members"] == 1
    assert _metrics("--loyalty-tier", "members")["loyalty_members"] == 2
    assert _metrics("--loyalty-tier", "non-members")["loyalty_members"] == 0


def test_metrics_command_refuses_an_unknown_tier(db):
    with pytest.raises(CommandError, match="Unknown loyalty tier"):
        call_command("metrics", "--json", "--loyalty-tier", "platinum-plus")


def test_metrics_api_takes_the_tier_and_refuses_an_unknown_one(gold_alice, ada, client):
    _customer, gold = gold_alice
    client.force_login(ada)
    answer = client.get("/api/v1/metrics", {"loyalty_tier": gold.slug})
    assert answer.status_code == 200, answer.content
    assert answer.json()["points_issued"] == gold.threshold + 10
    answer = client.get("/api/v1/metrics", {"loyalty_tier": "non-members"})
    assert answer.json()["points_issued"] == 0
    answer = client.get("/api/v1/metrics", {"loyalty_tier": "nope"})
    assert answer.status_code == 404
    assert answer.json()["detail"]
