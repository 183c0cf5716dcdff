"""The loyalty API (``/api/v1/loyalty/``): a customer's balance, history, badges, rewards,
redemptions and wallet; admins adjust points; a shop or billing system redeems codes.

Service refusals (``LoyaltyError``, ``ServiceError``) are answered by the API root."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

from loyalty import selectors
from loyalty.models import PointsEntry, Reward
from loyalty.services.codes import code_redeem
from loyalty.services.ledger import ADJUST_MAX, points_adjust
from loyalty.services.rewards import reward_redeem
from portal import roles
from portal.api.auth import allow, is_integration, is_person
from portal.api.schemas import ErrorOut, Id, InvalidOut
from portal.idempotency import idempotency_openapi, idempotent
from portal.models import Customer
from portal.wallet import CODE_MAX, ORDER_REF_MAX, WalletItem, wallet_items

PEOPLE = gettext_lazy("Integration tokens do not belong to a customer.")
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: InvalidOut}

router = Router(tags=["loyalty"], auth=allow(is_person, PEOPLE))


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class TierOut(Schema):
    name: str
    slug: str
    rank: int
    benefits: str


class LoyaltyMeOut(Schema):
    balance: int
    tier: TierOut | None
    next_tier: TierOut | None
    earned_12m: int
    points_to_next_tier: int
    progress_percent: int
    referral_code: str
    tier_since: datetime | None
    downgrade_due_at: datetime | None


class EntryOut(Schema):
    id: int
    kind: str
    points: int
    reason: str
    rule: str
    created_at: datetime
    expires_at: datetime | None


class HistoryOut(Schema):
    count: int
    items: list[EntryOut]


class Page(Schema):
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class BadgeOut(Schema):
    code: str
    name: str
    description: str
    icon: str
    awarded_at: datetime


class RewardOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    cost: int
    min_tier: str | None
    value: Decimal
    currency: str
    causes: list[str]
    valid_days: int


class RedeemIn(Strict):
    cause: str = Field("", max_length=200)


class WalletItemOut(Schema):
    source: str
    kind: str
    title: str
    code: str
    state: str
    value: Decimal | None
    currency: str
    created_at: datetime
    expires_at: datetime | None
    used_at: datetime | None
    order_ref: str
    detail: str


class CodeRedeemIn(Strict):
    code: str = Field(..., min_length=1, max_length=CODE_MAX)
    order_ref: str = Field(..., min_length=1, max_length=ORDER_REF_MAX)


class CodeRedeemOut(WalletItemOut):
    replayed: bool


class AdjustmentIn(Strict):
    customer_ref: str = Field(..., min_length=1, max_length=64)
    points: int = Field(..., ge=-ADJUST_MAX, le=ADJUST_MAX)
    reason: str = Field(..., min_length=1, max_length=300)


def _customer(request) -> Customer:
    customer = getattr(request.user, "customer", None)
    if customer is None:
        raise HttpError(404, str(gettext_lazy("You have no loyalty account: no customer record.")))
    return customer


def _tier(tier) -> dict | None:
    if tier is None:
        return None
    return {"name": tier.name, "slug": tier.slug, "rank": tier.rank, "benefits": tier.benefits}


def _item(item: WalletItem) -> dict:
    return {
        "source": item.source,
        "kind": item.kind,
        "title": item.title,
        "code": item.code,
        "state": item.state,
        "value": item.value,
        "currency": item.currency,
        "created_at": item.created_at,
        "expires_at": item.expires_at,
        "used_at": item.used_at,
        "order_ref": item.order_ref,
        "detail": item.detail,
    }


@router.get("/me", response={200: LoyaltyMeOut, **ERRORS}, summary="My points, tier and progress")
def loyalty_me(request):
    summary = selectors.summary(_customer(request))
    return {
        "balance": summary.balance,
        "tier": _tier(summary.tier),
        "next_tier": _tier(summary.next_tier),
        "earned_12m": summary.earned_12m,
        "points_to_next_tier": summary.to_next,
        "progress_percent": summary.progress,
        "referral_code": summary.referral_code,
        "tier_since": summary.account.tier_since,
        "downgrade_due_at": summary.account.downgrade_due_at,
    }


@router.get("/me/history", response={200: HistoryOut, **ERRORS}, summary="My points history")
def loyalty_history(request, page: Query[Page]):
    entries = PointsEntry.objects.filter(customer=_customer(request)).order_by("-created_at", "-pk")
    return {
        "count": entries.count(),
        "items": list(entries[page.offset : page.offset + page.limit]),
    }


@router.get("/me/badges", response={200: list[BadgeOut], **ERRORS}, summary="My badges")
def loyalty_badges(request):
    return [
        {
            "code": award.badge.code,
            "name": award.badge.name,
            "description": award.badge.description,
            "icon": award.badge.icon,
            "awarded_at": award.awarded_at,
        }
        for award in selectors.badges_for(request.user)
    ]


@router.get("/me/wallet", response={200: list[WalletItemOut], **ERRORS}, summary="My wallet")
def loyalty_wallet(request):
    return [_item(item) for item in wallet_items(_customer(request))]


@router.get("/rewards", response={200: list[RewardOut], **ERRORS}, summary="Rewards on offer")
def loyalty_rewards(request):
    return [
        {
            "id": reward.pk,
            "name": reward.name,
            "description": reward.description,
            "kind": reward.kind,
            "cost": reward.cost,
            "min_tier": reward.min_tier.slug if reward.min_tier else None,
            "value": reward.value,
            "currency": reward.currency,
            "causes": reward.cause_list,
            "valid_days": reward.valid_days,
        }
        for reward in Reward.objects.filter(active=True).select_related("min_tier")
    ]


@router.post(
    "/rewards/{reward_id}/redeem",
    response={201: WalletItemOut, **ERRORS},
    summary="Redeem a reward for points (customers)",
    openapi_extra=idempotency_openapi(),
)
@idempotent
def loyalty_redeem(request, reward_id: Id, payload: RedeemIn):
    """Spends the reward's points and issues a single-use code (in your wallet). 409: not
    enough points; 403: your tier is below the reward's."""
    from loyalty.services.codes import wallet_item

    customer = _customer(request)
    reward = get_object_or_404(Reward.objects.filter(active=True), pk=reward_id)
    redemption = reward_redeem(customer=customer, reward=reward, cause=payload.cause)
    return Status(201, _item(wallet_item(redemption)))


@router.post(
    "/codes/redeem",
    response={200: CodeRedeemOut, **ERRORS},
    summary="Use a wallet code for an order (integrations)",
    auth=allow(is_integration, gettext_lazy("Only integration tokens redeem codes.")),
)
def codes_redeem(request, payload: CodeRedeemIn):
    """Any wallet code: a loyalty reward's or an outage's discount code. Idempotent by
    ``order_ref``: the same code and order again answers the first result with
    ``replayed: true``. 404: unknown code; 409: used for another order, expired or void."""
    item = code_redeem(code=payload.code, order_ref=payload.order_ref)
    return {**_item(item), "replayed": item.replayed}


@router.post(
    "/adjustments",
    response={201: EntryOut, **ERRORS},
    summary="Adjust a customer's points (admins)",
    auth=allow(lambda request: roles.is_admin(request.user), gettext_lazy("Admins only.")),
    openapi_extra=idempotency_openapi(),
)
@idempotent
def loyalty_adjustments(request, payload: AdjustmentIn):
    customer = get_object_or_404(Customer, customer_ref=payload.customer_ref)
    entry = points_adjust(
        customer=customer, points=payload.points, reason=payload.reason, actor=request.user
    )
    return Status(201, entry)
