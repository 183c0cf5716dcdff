"""Tiers: the highest tier whose threshold the customer's points earned over the trailing
12 months reach (earns minus reversals; redemptions and expiry do not lower it).

An upgrade is immediate. A downgrade waits ``LOYALTY_DOWNGRADE_GRACE_DAYS``: the first
evaluation that finds the customer below their tier sets ``downgrade_due_at``; if they are
still below it when that time has passed, they move down; if they climb back meanwhile, the
grace is cleared. Every change is a ``TierChange`` row and a LOYALTY interaction.

``tier_evaluate`` runs on each earn; ``tiers_pass`` (periodic) re-evaluates everyone whose
window moved (points leaving the 12 months, thresholds edited, graces ending).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from loyalty.models import Account, PointsEntry, Tier, TierChange
from loyalty.services.ledger import account_for, locked_account
from portal.models import Channel, Customer, InteractionKind
from portal.services.helpers import now_or
from portal.services.interactions import interaction_record

WINDOW = timedelta(days=365)
COUNTED = (PointsEntry.Kind.EARN, PointsEntry.Kind.REVERSE)


def tiers_ordered() -> list[Tier]:
    return list(Tier.objects.order_by("rank"))


def tier_for_points(points: int, tiers: list[Tier]) -> Tier | None:
    """The highest tier whose threshold ``points`` reaches (``tiers`` ordered by rank)."""
    found = None
    for tier in tiers:
        if points >= tier.threshold and (found is None or tier.rank > found.rank):
            found = tier
    return found


def earned_in_window(customer: Customer, now: datetime | None = None) -> int:
    now = now_or(now)
    return (
        PointsEntry.objects.filter(
            customer=customer, kind__in=COUNTED, created_at__gt=now - WINDOW, created_at__lte=now
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )


def _change(account: Account, to: Tier | None, *, now: datetime, reason: str) -> None:
    TierChange.objects.create(
        account=account, from_tier=account.tier, to_tier=to, changed_at=now, reason=reason[:200]
    )
    interaction_record(
        kind=InteractionKind.LOYALTY,
        channel=Channel.WEB,
        customer=Customer(pk=account.customer_id),
        target=account,
        metadata={
            "tier_from": account.tier.slug if account.tier else None,
            "tier_to": to.slug if to else None,
        },
        occurred_at=now,
    )
    account.tier = to
    account.tier_since = now
    account.downgrade_due_at = None


@transaction.atomic
def tier_evaluate(*, customer: Customer, now: datetime | None = None) -> Account:
    """Move the customer's account to the tier their trailing-12-month points earn (see the
    module docstring for the grace before a downgrade). Returns the account."""
    now = now_or(now)
    account = locked_account(customer)
    account = Account.objects.select_related("tier").get(pk=account.pk)
    earned = earned_in_window(customer, now)
    target = tier_for_points(earned, tiers_ordered())
    current = account.tier
    fields = ["tier", "tier_since", "downgrade_due_at", "updated_at"]
    if target == current:
        if account.downgrade_due_at is not None:
            account.downgrade_due_at = None
            account.save(update_fields=fields)
        return account
    if current is None or (target is not None and target.rank > current.rank):
        reason = _("%(points)d points in 12 months") % {"points": earned}
        _change(account, target, now=now, reason=reason)
        account.save(update_fields=fields)
        return account
    grace = timedelta(days=settings.LOYALTY_DOWNGRADE_GRACE_DAYS)
    if account.downgrade_due_at is None and grace:
        account.downgrade_due_at = now + grace
        account.save(update_fields=fields)
        return account
    if account.downgrade_due_at is None or now >= account.downgrade_due_at:
        reason = _("%(points)d points in 12 months, below %(tier)s after the grace period") % {
            "points": earned,
            "tier": current.name,
        }
        _change(account, target, now=now, reason=reason)
        account.save(update_fields=fields)
    return account


def tiers_pass(*, now: datetime | None = None) -> dict[str, int]:
    """Re-evaluate every account whose tier is not the one its points give, or that is in a
    grace period. One aggregate query finds them; each is evaluated in its own transaction."""
    now = now_or(now)
    tiers = tiers_ordered()
    sums = dict(
        PointsEntry.objects.filter(
            kind__in=COUNTED, created_at__gt=now - WINDOW, created_at__lte=now
        )
        .values_list("customer_id")
        .annotate(total=Sum("points"))
        .values_list("customer_id", "total")
    )
    checked = changed = 0
    accounts = Account.objects.values_list("customer_id", "tier_id", "downgrade_due_at")
    for customer_id, tier_id, due in accounts.iterator(chunk_size=5000):
        target = tier_for_points(sums.get(customer_id, 0), tiers)
        if (target.pk if target else None) == tier_id and due is None:
            continue
        checked += 1
        account = tier_evaluate(customer=Customer(pk=customer_id), now=now)
        changed += account.tier_id != tier_id
    return {"checked": checked, "changed": changed}


def tier_of(customer: Customer | None) -> Tier | None:
    """The customer's current tier (no account: none yet)."""
    if customer is None or customer.pk is None:
        return None
    account = Account.objects.filter(customer=customer).select_related("tier").first()
    return account.tier if account else None


@dataclass(frozen=True)
class Progress:
    account: Account
    tier: Tier | None
    next_tier: Tier | None
    earned: int
    needed: int  # points still to earn for the next tier (0: top tier)
    percent: int


def tier_progress(customer: Customer, *, now: datetime | None = None) -> Progress:
    """The customer's tier, the next one and how far they are (for /me/ and the API)."""
    account = account_for(customer)
    earned = earned_in_window(customer, now)
    tiers = tiers_ordered()
    current = account.tier
    above = [t for t in tiers if current is None or t.rank > current.rank]
    next_tier = above[0] if above else None
    if next_tier is None:
        return Progress(account, current, None, earned, 0, 100)
    needed = max(0, next_tier.threshold - earned)
    base = current.threshold if current else 0
    span = max(1, next_tier.threshold - base)
    percent = max(0, min(100, int(100 * (earned - base) / span)))
    return Progress(account, current, next_tier, earned, needed, percent)
