"""The points ledger: every change of a balance is one append-only ``PointsEntry`` row.

- ``points_earn`` / ``points_reverse`` are idempotent by source: the unique
  ``(customer, kind, source_type, source_id)`` makes a second call with the same source a
  no-op that returns the first row, whoever calls (the signal listener, the catch-up pass,
  twice at once: the customer's ``Account`` row is locked first, so they run one after the
  other).
- ``Account.balance`` is a cache of the ledger's sum, updated in the same transaction as the
  row; ``account_rebuild`` recomputes it from the ledger.
- Caps: an ``EarnRule`` with ``cap_points`` and ``cap_period_days`` earns a customer at most
  that many points in any such period (a partial earn fills the cap).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from loyalty.models import Account, EarnRule, PointsEntry
from loyalty.services.errors import LoyaltyError
from portal import roles
from portal.models import Channel, Customer, InteractionKind
from portal.services.helpers import clean_text, now_or
from portal.services.interactions import interaction_record

E = PointsEntry.Kind
#: Bounds on one ledger row's points (bad input is refused, never a 500 or an overflow).
MAX_POINTS = 10_000_000
ADJUST_MAX = 1_000_000
REASON_MAX = 300
#: Rules whose earns need no LOYALTY interaction: their event is in the log already.
QUIET_RULES = frozenset({"purchase"})


def account_for(customer: Customer) -> Account:
    """The customer's account, created on first use (with the entry tier)."""
    account = Account.objects.filter(customer=customer).select_related("tier").first()
    if account is not None:
        return account
    from loyalty.models import Tier

    entry = Tier.objects.filter(threshold=0).order_by("rank").first()
    try:
        with transaction.atomic():
            return Account.objects.create(
                customer=customer, tier=entry, tier_since=now_or(None) if entry else None
            )
    except IntegrityError:  # created at the same time by someone else
        return Account.objects.select_related("tier").get(customer=customer)


def locked_account(customer: Customer) -> Account:
    """The customer's account, row-locked until the transaction ends (serialises earns,
    reversals, adjustments and redemptions of one customer)."""
    account = account_for(customer)
    return Account.objects.select_for_update().get(pk=account.pk)


def ledger_sum(customer: Customer) -> int:
    return (
        PointsEntry.objects.filter(customer=customer).aggregate(total=Sum("points"))["total"] or 0
    )


@transaction.atomic
def account_rebuild(*, customer: Customer) -> Account:
    """Set the cached balance from the ledger (the source of truth) and return the account."""
    account = locked_account(customer)
    total = ledger_sum(customer)
    if account.balance != total:
        account.balance = total
        account.save(update_fields=["balance", "updated_at"])
    return account


def rule_for(key: str) -> EarnRule | None:
    """The active rule ``key``, or None (inactive or missing: it earns nothing)."""
    return EarnRule.objects.filter(key=key, active=True).first()


def _expires_at(at: datetime) -> datetime | None:
    days = settings.LOYALTY_POINTS_EXPIRE_DAYS
    return at + timedelta(days=days) if days > 0 else None


def _existing(customer: Customer, kind: str, source_type: str, source_id: str):
    return PointsEntry.objects.filter(
        customer=customer, kind=kind, source_type=source_type, source_id=source_id
    ).first()


def _check_source(source_type: str, source_id: str) -> tuple[str, str]:
    source_type, source_id = str(source_type or ""), str(source_id or "")
    if not source_type or not source_id or len(source_type) > 32 or len(source_id) > 64:
        raise LoyaltyError(_("A ledger row needs a source (type and id)."))
    return source_type, source_id


def _capped(customer: Customer, rule: EarnRule, points: int, at: datetime) -> int:
    if rule.cap_points is None or not rule.cap_period_days:
        return points
    since = at - timedelta(days=rule.cap_period_days)
    earned = (
        PointsEntry.objects.filter(
            customer=customer, kind=E.EARN, rule=rule.key, created_at__gt=since, created_at__lte=at
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )
    return max(0, min(points, rule.cap_points - earned))


def _append(
    *,
    account: Account,
    kind: str,
    points: int,
    reason: str,
    rule: str,
    source_type: str,
    source_id: str,
    at: datetime,
    actor=None,
) -> PointsEntry:
    entry = PointsEntry.objects.create(
        customer_id=account.customer_id,
        kind=kind,
        points=points,
        reason=(reason or "")[:REASON_MAX],
        rule=rule or "",
        source_type=source_type,
        source_id=source_id,
        created_at=at,
        expires_at=_expires_at(at) if kind == E.EARN else None,
        actor=actor,
    )
    Account.objects.filter(pk=account.pk).update(balance=F("balance") + points)
    return entry


@transaction.atomic
def points_earn(
    *,
    customer: Customer,
    rule: str,
    points: int | None,
    source_type: str,
    source_id: str,
    reason: str,
    at: datetime | None = None,
) -> PointsEntry | None:
    """Earn points for one source, once. ``rule`` is an ``EarnRule`` key ("" for grants that
    are not a rule, e.g. outage compensation); ``points=None`` takes the rule's points.
    Returns the (new or earlier) ledger row, or None when nothing is earned (the rule is
    inactive, the cap is reached, zero points)."""
    at = now_or(at)
    source_type, source_id = _check_source(source_type, source_id)
    if points is not None and (not isinstance(points, int) or points < 0 or points > MAX_POINTS):
        raise LoyaltyError(_("Points must be a whole number from 0 to %d.") % MAX_POINTS)
    account = locked_account(customer)
    existing = _existing(customer, E.EARN, source_type, source_id)
    if existing is not None:
        return existing
    rule_row = rule_for(rule) if rule else None
    if rule and rule_row is None:
        return None
    if points is None:
        if rule_row is None:
            raise LoyaltyError(_("Name the points or the rule."))
        points = rule_row.points
    if rule_row is not None:
        points = _capped(customer, rule_row, points, at)
    if points <= 0:
        return None
    entry = _append(
        account=account,
        kind=E.EARN,
        points=points,
        reason=reason,
        rule=rule,
        source_type=source_type,
        source_id=source_id,
        at=at,
    )
    if rule not in QUIET_RULES:
        _record(customer, entry, at=at)
    from loyalty.services.tiers import tier_evaluate

    tier_evaluate(customer=customer)
    return entry


@transaction.atomic
def points_reverse(
    *,
    customer: Customer,
    points: int,
    source_type: str,
    source_id: str,
    reason: str,
    rule: str = "",
    at: datetime | None = None,
) -> PointsEntry | None:
    """Take back ``points`` (a positive number) earned for something later undone (a refund,
    a rejected post, a vote taken back), once per source. The balance may go below zero when
    the points were spent meanwhile: nothing can be redeemed until it is positive again."""
    at = now_or(at)
    source_type, source_id = _check_source(source_type, source_id)
    if not isinstance(points, int) or points < 0 or points > MAX_POINTS:
        raise LoyaltyError(_("Points must be a whole number from 0 to %d.") % MAX_POINTS)
    account = locked_account(customer)
    existing = _existing(customer, E.REVERSE, source_type, source_id)
    if existing is not None or points == 0:
        return existing
    entry = _append(
        account=account,
        kind=E.REVERSE,
        points=-points,
        reason=reason,
        rule=rule,
        source_type=source_type,
        source_id=source_id,
        at=at,
    )
    if rule not in QUIET_RULES:
        _record(customer, entry, at=at)
    return entry


@transaction.atomic
def points_adjust(
    *, customer: Customer, points: int, reason: str, actor, now: datetime | None = None
) -> PointsEntry:
    """An admin's correction (positive or negative), with a reason; the admin is recorded on
    the row and in the interaction log. A balance never goes below zero by an adjustment."""
    if actor is None or not roles.is_admin(actor):
        raise PermissionDenied(_("Only administrators adjust points."))
    now = now_or(now)
    reason = clean_text(
        reason, field=_("reason"), maximum=REASON_MAX, minimum=3, error=LoyaltyError
    )
    if isinstance(points, bool) or not isinstance(points, int):
        raise LoyaltyError(
            _("Points must be a whole number."), fields={"points": _("Whole number.")}
        )
    if points == 0 or abs(points) > ADJUST_MAX:
        message = _("Adjust by a whole number from -%(max)d to %(max)d, not 0.") % {
            "max": ADJUST_MAX
        }
        raise LoyaltyError(message, fields={"points": message})
    account = locked_account(customer)
    balance = ledger_sum(customer)
    if balance + points < 0:
        message = _("The balance is %(balance)d: it cannot go below zero.") % {"balance": balance}
        raise LoyaltyError(message, fields={"points": message})
    entry = _append(
        account=account,
        kind=E.ADJUST,
        points=points,
        reason=reason,
        rule="",
        source_type="admin",
        source_id=uuid.uuid4().hex,
        at=now,
        actor=actor,
    )
    _record(customer, entry, at=now, user=actor)
    return entry


def _record(customer: Customer, entry: PointsEntry, *, at: datetime, user=None) -> None:
    interaction_record(
        kind=InteractionKind.LOYALTY,
        channel=Channel.WEB,
        customer=customer,
        user=user,
        target=entry,
        value=entry.points,
        metadata={"entry": entry.kind, "rule": entry.rule, "source": entry.source_type},
        occurred_at=at,
    )


def history_of(customer: Customer, *, limit: int = 50) -> list[PointsEntry]:
    """The customer's latest ledger rows, newest first."""
    return list(
        PointsEntry.objects.filter(customer=customer).order_by("-created_at", "-pk")[:limit]
    )
