"""Reads for the customer's loyalty page, the API and the /me/ summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.models import Account, PointsEntry, Referral, Reward, Tier
from portal.models import Customer

HISTORY_PER_PAGE = 10
HISTORY_MAX_PAGE = 10_000  # bounds the OFFSET a crafted ?page= can ask for
TIER_WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class Summary:
    account: Account
    balance: int
    tier: Tier | None
    next_tier: Tier | None
    earned_12m: int  # what tiers are measured on
    to_next: int  # points still to earn for the next tier (0 at the top)
    progress: int  # percent of the way from this tier's threshold to the next one's

    @property
    def referral_code(self) -> str:
        return self.account.referral_code


def earned_12m(customer: Customer, now: datetime | None = None) -> int:
    """Points earned over the trailing 12 months (the tiers' measure)."""
    since = (now or timezone.now()) - TIER_WINDOW
    return (
        PointsEntry.objects.filter(
            customer=customer, kind=PointsEntry.Kind.EARN, created_at__gte=since
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )


def _earned_12m_subquery(since: datetime) -> Subquery:
    return Subquery(
        PointsEntry.objects.filter(
            customer=OuterRef("customer"), kind=PointsEntry.Kind.EARN, created_at__gte=since
        )
        .values("customer")
        .annotate(total=Sum("points"))
        .values("total")[:1],
        output_field=models.IntegerField(),
    )


def summary(customer: Customer, now: datetime | None = None) -> Summary:
    """Balance, tier and progress in two queries: the account with its tier and the
    12-month earnings as a subquery, then the next tier. (Referral counts as more
    subqueries here measured slower than their own query: ORM compile time.)"""
    from loyalty.services.ledger import account_for

    since = (now or timezone.now()) - TIER_WINDOW
    account = (
        Account.objects.filter(customer=customer)
        .select_related("tier")
        .annotate(earned=Coalesce(_earned_12m_subquery(since), 0))
        .order_by()
        .first()
    )
    if account is None:  # first visit: created with the entry tier
        account = account_for(customer)
        earned = earned_12m(customer, now)
    else:
        earned = account.earned
    tier = account.tier
    tiers = Tier.objects.filter(rank__gt=tier.rank if tier else -1).order_by("rank")
    next_tier = tiers.first()
    if next_tier is None:
        return Summary(account, account.balance, tier, None, earned, 0, 100)
    floor = tier.threshold if tier else 0
    span = max(next_tier.threshold - floor, 1)
    progress = max(0, min(100, int((earned - floor) * 100 / span)))
    return Summary(
        account,
        account.balance,
        tier,
        next_tier,
        earned,
        max(0, next_tier.threshold - earned),
        progress,
    )


@dataclass(frozen=True)
class HistoryPage:
    """One page of the points history, newest first, without counting the whole ledger:
    one query of ``per_page + 1`` rows (the extra row only says an older page exists)."""

    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.object_list)


def _page_number(page: object) -> int:
    try:
        number = int(str(page))
    except (TypeError, ValueError):
        return 1
    return max(1, min(number, HISTORY_MAX_PAGE))


def history_page(
    customer: Customer, page: object = 1, per_page: int = HISTORY_PER_PAGE
) -> HistoryPage:
    number = _page_number(page)
    start = (number - 1) * per_page
    rows = list(
        PointsEntry.objects.filter(customer=customer)
        .order_by("-created_at", "-pk")
        .only("kind", "points", "reason", "created_at")[start : start + per_page + 1]
    )
    return HistoryPage(rows[:per_page], number, len(rows) > per_page)


@dataclass(frozen=True)
class RewardOffer:
    reward: Reward
    allowed: bool  # tier high enough
    affordable: bool

    @property
    def redeemable(self) -> bool:
        return self.allowed and self.affordable


def rewards_for(summary: Summary) -> list[RewardOffer]:
    rank = summary.tier.rank if summary.tier else -1
    offers = []
    for reward in Reward.objects.filter(active=True).select_related("min_tier"):
        allowed = reward.min_tier is None or rank >= reward.min_tier.rank
        offers.append(RewardOffer(reward, allowed, summary.balance >= reward.cost))
    return offers


def referral_counts(customer: Customer) -> dict[str, int]:
    return Referral.objects.filter(referrer=customer).aggregate(
        invited=Count("pk", filter=~Q(status=Referral.Status.REFUSED)),
        converted=Count("pk", filter=Q(status=Referral.Status.CONVERTED)),
    )


def badges_for(user) -> list:
    """The user's badges (``portal.badges.badges_of``)."""
    from portal.badges import badges_of

    return list(badges_of(user))


# --- the programme's figures (admin report, insights metrics) ------------------------------
def programme_figures(
    start: datetime, end: datetime, *, customers=None
) -> dict[str, float | int | None]:
    """Programme totals for ``[start, end)``: members (accounts with any ledger row by
    ``end``), points issued (earned, adjusted up), redeemed, expired, outstanding at ``end``
    (the liability: every balance), redemption rate (redeemed / issued), referral
    conversion rate (referrals made in the period that converted). ``customers``: an optional
    customer queryset (an insights segment)."""
    entries = PointsEntry.objects.all()
    referrals = Referral.objects.exclude(status=Referral.Status.REFUSED)
    if customers is not None:
        entries = entries.filter(customer__in=customers)
        referrals = referrals.filter(referred__in=customers)
    upto = entries.filter(created_at__lt=end)
    period = upto.filter(created_at__gte=start)
    sums = period.aggregate(
        issued=Sum("points", filter=Q(points__gt=0, kind__in=["earn", "adjust"])),
        redeemed=Sum("points", filter=Q(kind="redeem")),
        expired=Sum("points", filter=Q(kind="expire")),
        reversed=Sum("points", filter=Q(kind="reverse") | Q(kind="adjust", points__lt=0)),
    )
    issued = sums["issued"] or 0
    redeemed = -(sums["redeemed"] or 0)
    made = referrals.filter(created_at__gte=start, created_at__lt=end)
    counts = made.aggregate(
        made=Count("pk"), converted=Count("pk", filter=Q(status=Referral.Status.CONVERTED))
    )
    return {
        "loyalty_members": upto.values("customer").distinct().count(),
        "points_issued": issued,
        "points_redeemed": redeemed,
        "points_expired": -(sums["expired"] or 0),
        "points_reversed": -(sums["reversed"] or 0),
        "points_outstanding": upto.aggregate(total=Sum("points"))["total"] or 0,
        "redemption_rate": redeemed / issued if issued else None,
        "referrals_made": counts["made"],
        "referrals_converted": counts["converted"],
        "referral_conversion_rate": (
            counts["converted"] / counts["made"] if counts["made"] else None
        ),
    }


def members_per_tier() -> list[tuple[str, int]]:
    counts = dict(
        Account.objects.values_list("tier_id").annotate(n=Count("pk")).values_list("tier_id", "n")
    )
    rows = [(tier.name, counts.get(tier.pk, 0)) for tier in Tier.objects.order_by("rank")]
    if counts.get(None):
        rows.append(("-", counts[None]))
    return rows


def tier_migrations(start: datetime, end: datetime) -> list[tuple[str, int, int]]:
    """Per month of ``[start, end)``: (month ``YYYY-MM``, upgrades, downgrades)."""
    from django.db.models.functions import TruncMonth

    from loyalty.models import TierChange

    changes = (
        TierChange.objects.filter(changed_at__gte=start, changed_at__lt=end)
        .annotate(month=TruncMonth("changed_at"))
        .values("month")
        .annotate(
            up=Count(
                "pk",
                filter=Q(from_tier__isnull=True, to_tier__isnull=False)
                | Q(to_tier__rank__gt=models.F("from_tier__rank")),
            ),
            down=Count(
                "pk",
                filter=Q(to_tier__isnull=True, from_tier__isnull=False)
                | Q(to_tier__rank__lt=models.F("from_tier__rank")),
            ),
        )
        .order_by("month")
    )
    return [(row["month"].strftime("%Y-%m"), row["up"], row["down"]) for row in changes]
