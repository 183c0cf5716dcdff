"""Insights reads the programme: the loyalty metrics in ``metrics --json`` and the loyalty
tier as a segment of every metric (members against non-members)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from insights.metrics import Period, Segment, by_loyalty_tier, values
from loyalty.services.rewards import reward_redeem
from tests.loyalty.g_builders import give, reward, set_tier

pytestmark = pytest.mark.django_db

KEYS = (
    "loyalty_members",
    "points_issued",
    "points_redeemed",
    "points_outstanding",
    "redemption_rate",
    "referral_conversion_rate",
)


@pytest.fixture
def programme(alice, bob, carol):
    give(alice.customer, 600)
    give(bob.customer, 200)
    reward_redeem(customer=alice.customer, reward=reward(cost=150))
    set_tier(alice.customer, "silver")
    return Period.last_days(30)


def test_metrics_json_has_the_loyalty_metrics(programme):
    out = StringIO()
    call_command("metrics", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert {key: report[key] for key in KEYS} == {
        "loyalty_members": 2,
        "points_issued": 800,
        "points_redeemed": 150,
        "points_outstanding": 650,
        "redemption_rate": pytest.approx(150 / 800),
        "referral_conversion_rate": None,
    }
    assert [row["segment"] for row in report["loyalty_tiers"]] == [
        "bronze",
        "silver",
        "gold",
        "members",
        "non-members",
    ]


def test_the_loyalty_tier_is_a_segment_of_every_metric(programme, alice, bob, carol):
    silver = Segment(loyalty_tier="silver")
    assert list(silver.customers_qs()) == [alice.customer]
    assert values(programme, silver)["points_issued"] == 600
    members = Segment(loyalty_tier="members").customers_qs()
    assert set(members) == {alice.customer, bob.customer}
    assert list(Segment(loyalty_tier="non-members").customers_qs()) == [carol.customer]
    assert Segment(loyalty_tier="silver") == Segment(loyalty_tier="silver")
    assert Segment(loyalty_tier="silver") != Segment(loyalty_tier="gold")


def test_retention_repeat_rate_and_clv_by_tier(programme):
    rows = {row["segment"]: row for row in by_loyalty_tier(programme)}
    assert set(rows["members"]) >= {"retention_rate", "repeat_customer_rate", "label"}
    assert rows["silver"]["label"] == "Silver"
    assert "customer_lifetime_value" in rows["non-members"]


def test_dashboard_shows_the_tiers_table_with_csv(client_for, root, programme):
    client = client_for(root)
    page = client.get("/admin/insights/").content.decode()
    assert "Loyalty tiers" in page and "Non-members" in page
    csv = client.get("/admin/insights/?export=loyalty_tiers&format=csv")
    body = b"".join(csv.streaming_content) if csv.streaming else csv.content
    assert body.decode().splitlines()[0].startswith("Tier,Retention rate")
