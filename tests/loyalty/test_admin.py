"""The admin side of helper F's part: earn rules and tiers editable by admins only, the
ledger read-only, and the points adjustment form (reason required, audited, bad input)."""

from __future__ import annotations

import pytest

from loyalty.models import EarnRule, PointsEntry, RuleKey, Tier

ADJUST = "/admin/loyalty/adjust/"


def test_admin_edits_an_earn_rule(client_for, root):
    rule = EarnRule.objects.get(key=RuleKey.PURCHASE)
    response = client_for(root).post(
        f"/admin/loyalty/rules/edit/{rule.pk}/",
        {"key": "purchase", "points": "3", "cap_points": "", "cap_period_days": "", "active": "on"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.points == 3


def test_bad_rule_input_is_a_form_error(client_for, root):
    rule = EarnRule.objects.get(key=RuleKey.PURCHASE)
    response = client_for(root).post(
        f"/admin/loyalty/rules/edit/{rule.pk}/",
        {"key": "purchase", "points": "-5", "cap_points": "x", "cap_period_days": "0"},
    )
    assert response.status_code == 200  # the form again, with its errors
    rule.refresh_from_db()
    assert rule.points == 1


def test_admin_adds_a_tier(client_for, root):
    response = client_for(root).post(
        "/admin/loyalty/tiers/new/",
        {
            "name": "Platinum",
            "slug": "platinum",
            "rank": "3",
            "threshold": "5000",
            "priority_boost": "2",
            "sla_factor": "0.25",
            "benefits": "Everything.",
            "colour": "#e5e4e2",
        },
    )
    assert response.status_code == 302
    assert Tier.objects.get(slug="platinum").sla_factor == pytest.approx(0.25)


def test_a_tier_needs_a_sane_factor_and_rank(client_for, root):
    response = client_for(root).post(
        "/admin/loyalty/tiers/new/",
        {
            "name": "Odd",
            "slug": "odd",
            "rank": "2",
            "threshold": "1",
            "priority_boost": "9",
            "sla_factor": "3",
            "colour": "#000000",
        },
    )
    assert response.status_code == 200
    assert not Tier.objects.filter(slug="odd").exists()


@pytest.mark.parametrize("who", ["ada", "alice", "mo"])
def test_only_admins_reach_the_rules(client_for, who, request):
    user = request.getfixturevalue(who)
    response = client_for(user).get("/admin/loyalty/rules/")
    assert response.status_code in (302, 403)


def test_adjustment_form_records_the_admin(client_for, root, bob):
    response = client_for(root).post(
        ADJUST, {"customer": bob.customer.customer_ref, "points": "40", "reason": "Goodwill"}
    )
    assert response.status_code == 302
    entry = PointsEntry.objects.get(customer=bob.customer)
    assert (entry.kind, entry.points, entry.actor, entry.reason) == (
        "adjust",
        40,
        root,
        "Goodwill",
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"customer": "C-BOB", "points": "10", "reason": ""}, "reason"),
        ({"customer": "C-BOB", "points": "10", "reason": "x" * 301}, "reason"),
        ({"customer": "C-BOB", "points": "0", "reason": "Nothing"}, "points"),
        ({"customer": "C-BOB", "points": "ten", "reason": "Words"}, "points"),
        ({"customer": "C-BOB", "points": "99999999999999999999", "reason": "Huge"}, "points"),
        ({"customer": "C-BOB", "points": "-5", "reason": "Below zero"}, "points"),
        ({"customer": "NOBODY", "points": "5", "reason": "Who?"}, "customer"),
        ({"customer": "C-BOB\x00", "points": "5", "reason": "Nul"}, "customer"),
    ],
)
def test_bad_adjustments_are_form_errors(client_for, root, bob, data, field):
    response = client_for(root).post(ADJUST, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not PointsEntry.objects.exists()


def test_the_form_is_prefilled_from_the_customer(client_for, root):
    response = client_for(root).get(ADJUST + "?customer=C-BOB")
    assert response.status_code == 200 and 'value="C-BOB"' in response.content.decode()
