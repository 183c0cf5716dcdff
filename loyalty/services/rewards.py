"""Redeeming points for a reward: one transaction checks the balance and tier, writes the
ledger row and issues a unique single-use code.

Race safety (PostgreSQL): the customer's ``Account`` row is locked (``select_for_update``)
before the balance is read, and the balance is the ledger's sum read under that lock, so two
redemptions at once run one after the other: the second sees the first's ledger row and is
refused if the points are gone (no negative balance). Each redemption has its own ledger row
(``source_type="redemption"``, a fresh uuid) and a code unique in the database (a collision
is retried with a new code), so nothing is issued twice.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import Account, PointsEntry, Redemption, Reward
from loyalty.services.errors import LoyaltyError
from portal.models import Channel, Customer, InteractionKind
from portal.services.interactions import interaction_record

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CAUSE_MAX = 200


def new_code() -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"LOY-{body[:5]}-{body[5:]}"


def ledger_balance(customer: Customer) -> int:
    return (
        PointsEntry.objects.filter(customer=customer).aggregate(total=Sum("points"))["total"] or 0
    )


def locked_account(customer: Customer) -> Account:
    """The customer's account row, created if missing, locked for the transaction."""
    from loyalty.services.ledger import account_for

    account = account_for(customer)
    return Account.objects.select_for_update(of=("self",)).select_related("tier").get(pk=account.pk)


def rewards_available(customer: Customer | None):
    """Active rewards with whether this customer can redeem each (tier, balance)."""
    return Reward.objects.filter(active=True).select_related("min_tier").order_by("cost", "pk")


def tier_allows(account: Account, reward: Reward) -> bool:
    if reward.min_tier_id is None:
        return True
    return account.tier is not None and account.tier.rank >= reward.min_tier.rank


@transaction.atomic
def reward_redeem(
    *, customer: Customer, reward: Reward, cause: str = "", now: datetime | None = None
) -> Redemption:
    """Spend ``reward.cost`` points on ``reward``; returns the redemption with its code.

    Refused (nothing written): an inactive reward (404), a tier below the reward's minimum
    (403), a donation without one of the reward's causes (422), too few points (409)."""
    now = now or timezone.now()
    account = locked_account(customer)
    reward = Reward.objects.select_related("min_tier").filter(pk=reward.pk, active=True).first()
    if reward is None:
        raise LoyaltyError(_("This reward is not available."), status=404)
    if not tier_allows(account, reward):
        raise LoyaltyError(
            _("This reward is for %(tier)s members and above.") % {"tier": reward.min_tier.name},
            status=403,
        )
    cause = (cause or "").strip()
    if reward.kind == Reward.Kind.DONATION:
        if cause not in reward.cause_list:
            message = _("Choose one of the causes for your donation.")
            raise LoyaltyError(message, status=422, fields={"cause": message})
    else:
        cause = ""
    balance = ledger_balance(customer)
    if balance < reward.cost:
        raise LoyaltyError(
            _("You need %(cost)d points for this reward; you have %(balance)d.")
            % {"cost": reward.cost, "balance": balance},
            status=409,
        )
    entry = PointsEntry.objects.create(
        customer=customer,
        kind=PointsEntry.Kind.REDEEM,
        points=-reward.cost,
        reason=(_("Reward: %(name)s") % {"name": reward.name})[:300],
        source_type="redemption",
        source_id=uuid.uuid4().hex,
        created_at=now,
    )
    account.balance = balance - reward.cost
    account.save(update_fields=["balance", "updated_at"])
    donation = reward.kind == Reward.Kind.DONATION
    redemption = None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                redemption = Redemption.objects.create(
                    account=account,
                    reward=reward,
                    points=reward.cost,
                    entry=entry,
                    cause=cause[:CAUSE_MAX],
                    code=new_code(),
                    # a donation is made at once: its code is the receipt, already used
                    state=Redemption.State.USED if donation else Redemption.State.ACTIVE,
                    used_at=now if donation else None,
                    expires_at=None if donation else now + timedelta(days=reward.valid_days),
                )
            break
        except IntegrityError:  # the code collided: draw another
            continue
    if redemption is None:
        raise LoyaltyError(_("No code could be issued; please try again."), status=503)
    interaction_record(
        kind=InteractionKind.LOYALTY,
        channel=Channel.WEB,
        customer=customer,
        target=redemption,
        value=-reward.cost,
        metadata={"event": "redeem", "reward": reward.pk, "kind": reward.kind},
        occurred_at=now,
    )
    return redemption
