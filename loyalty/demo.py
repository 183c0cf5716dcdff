"""Demo loyalty data for ``manage.py seed_demo`` (``LoyaltyConfig.demo_seed``): a rewards
catalogue, the personas in different tiers with their points histories (alice Gold, bob
Silver, carol and amy Bronze), a referral (alice referred Rita, who bought), codes in the
wallets (alice: an active discount code and a used service credit; bob: a donation) and the
badges the rules award. Idempotent: a persona who has demo points already is left alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from loyalty.models import PointsEntry, Referral, Reward, Tier
from loyalty.services.ledger import account_for, points_earn
from loyalty.services.referrals import referral_attach, referral_convert
from loyalty.services.rewards import reward_redeem
from portal.models import Customer
from portal.services.notifications import emails_suppressed

REWARDS = [
    # name, kind, cost, value, minimum tier slug, causes, description
    ("10 € off your next order", "discount_code", 500, "10.00", None, "", "A one-time code."),
    ("5 € credit on your next bill", "service_credit", 300, "5.00", None, "", ""),
    (
        "Plant 10 trees",
        "donation",
        200,
        "5.00",
        None,
        "Reforestation in the Apennines\nClean seas",
        "We give 5 € to the cause you choose.",
    ),
    ("A month of double speed", "upgrade", 1500, "15.00", "silver", "", "For Silver and Gold."),
    ("Priority installation visit", "upgrade", 2000, "40.00", "gold", "", "Gold members only."),
]

#: persona email -> [(days ago, points, reason)]
HISTORIES = {
    "alice@example.com": [
        (300, 900, "Welcome bonus"),
        (200, 800, "Order FB-1001"),
        (90, 700, "Order FB-1205"),
        (30, 600, "Survey answered and order FB-1300"),
    ],
    "bob@example.com": [(150, 450, "Order GX-220"), (40, 400, "Order GX-311")],
    "carol@example.com": [(60, 180, "Order CC-12")],
    "amy@example.com": [(20, 60, "Order AM-3")],
}


def _rewards() -> dict[str, Reward]:
    made = {}
    for name, kind, cost, value, tier, causes, description in REWARDS:
        reward, _created = Reward.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "cost": cost,
                "value": Decimal(value),
                "min_tier": Tier.objects.filter(slug=tier).first() if tier else None,
                "causes": causes,
                "description": description,
            },
        )
        made[kind if kind != "upgrade" else name] = reward
    return made


def _history(customer: Customer, rows, now: datetime) -> None:
    for days, points, reason in rows:
        points_earn(
            customer=customer,
            rule="",
            points=points,
            source_type="demo",
            source_id=f"{customer.customer_ref}-{days}",
            reason=reason,
            at=now - timedelta(days=days),
        )


def seed(*, now: datetime) -> str:
    from loyalty.services.tiers import tier_evaluate

    with emails_suppressed(), transaction.atomic():
        rewards = _rewards()
        people = {
            c.email: c for c in Customer.objects.filter(email__in=HISTORIES, user__isnull=False)
        }
        new = 0
        for email, rows in HISTORIES.items():
            customer = people.get(email)
            if (
                customer is None
                or PointsEntry.objects.filter(customer=customer, source_type="demo").exists()
            ):
                continue
            new += 1
            _history(customer, rows, now)
            tier_evaluate(customer=customer, now=now)
            if email == "alice@example.com":
                reward_redeem(
                    customer=customer, reward=rewards["discount_code"], now=now - timedelta(days=5)
                )
                credit = reward_redeem(
                    customer=customer,
                    reward=rewards["service_credit"],
                    now=now - timedelta(days=25),
                )
                from loyalty.services.codes import code_redeem

                code_redeem(code=credit.code, order_ref=f"BILL-{now:%Y%m}-ALICE")
                _referral(customer, now)
            if email == "bob@example.com":
                reward_redeem(
                    customer=customer,
                    reward=rewards["donation"],
                    cause="Clean seas",
                    now=now - timedelta(days=10),
                )
        from loyalty.services.badges import badges_pass

        badges_pass(now=now)
    members = Customer.objects.filter(loyalty_account__isnull=False).count()
    rewards_count = Reward.objects.count()
    return f"{new} personas given points ({members} loyalty accounts, {rewards_count} rewards)"


def _referral(alice: Customer, now: datetime) -> None:
    """Rita signed up through alice's link and made a first order: alice earned the referral."""
    rita, _created = Customer.objects.get_or_create(
        customer_ref="C-RITA",
        defaults={"email": "rita@example.net", "name": "Rita Rossi"},
    )
    if Referral.objects.filter(referred=rita).exists():
        return
    referral_attach(
        referred=rita, code=account_for(alice).referral_code, now=now - timedelta(days=45)
    )
    referral_convert(referred=rita, purchase_ref="RR-1", at=now - timedelta(days=40))
