"""The loyalty programme's badge rules (registered in ``portal.badges``) and the pass that
awards every app's badges (community registers its own rules the same way)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import PointsEntry, Referral
from portal import badges as registry
from portal.models import Customer, Purchase

REFERRAL_CHAMPION = 3
POINTS_COLLECTOR = 1000


def _customers(user_ids: Collection[int] | None):
    customers = Customer.objects.filter(user__isnull=False)
    if user_ids is not None:
        customers = customers.filter(user_id__in=list(user_ids))
    return customers


def first_purchase(user_ids: Collection[int] | None) -> Iterable[int]:
    orders = Purchase.objects.orders().values("customer_id")
    return _customers(user_ids).filter(pk__in=orders).values_list("user_id", flat=True).distinct()


def one_year(user_ids: Collection[int] | None) -> Iterable[int]:
    year_ago = timezone.now() - timedelta(days=365)
    return _customers(user_ids).filter(created_at__lte=year_ago).values_list("user_id", flat=True)


def referral_champion(user_ids: Collection[int] | None) -> Iterable[int]:
    converted = (
        Referral.objects.filter(status=Referral.Status.CONVERTED)
        .values("referrer_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=REFERRAL_CHAMPION)
        .values("referrer_id")
    )
    return _customers(user_ids).filter(pk__in=converted).values_list("user_id", flat=True)


def points_collector(user_ids: Collection[int] | None) -> Iterable[int]:
    earned = (
        PointsEntry.objects.filter(kind__in=(PointsEntry.Kind.EARN, PointsEntry.Kind.REVERSE))
        .values("customer_id")
        .annotate(total=Sum("points"))
        .filter(total__gte=POINTS_COLLECTOR)
        .values("customer_id")
    )
    return _customers(user_ids).filter(pk__in=earned).values_list("user_id", flat=True)


def top_tier(user_ids: Collection[int] | None) -> Iterable[int]:
    from loyalty.models import Tier

    top = Tier.objects.order_by("-rank").first()
    if top is None or top.rank == 0:
        return []
    return (
        _customers(user_ids).filter(Q(loyalty_account__tier=top)).values_list("user_id", flat=True)
    )


def register_rules() -> None:
    register = registry.badge_rule_register
    register(
        "first-purchase",
        _("First purchase"),
        _("Placed a first order"),
        first_purchase,
        icon="🛒",
        app_label="loyalty",
        order=10,
    )
    register(
        "one-year",
        _("One year with us"),
        _("A customer for a year"),
        one_year,
        icon="🎂",
        app_label="loyalty",
        order=11,
    )
    register(
        "referral-champion",
        _("Referral champion"),
        _("Three friends referred who became customers"),
        referral_champion,
        icon="🤝",
        app_label="loyalty",
        order=12,
    )
    register(
        "points-collector",
        _("Points collector"),
        _("Earned 1,000 points"),
        points_collector,
        icon="⭐",
        app_label="loyalty",
        order=13,
    )
    register(
        "top-tier",
        _("Top tier"),
        _("Reached the highest loyalty tier"),
        top_tier,
        icon="🏆",
        app_label="loyalty",
        order=14,
    )


def badges_pass(*, now: datetime | None = None) -> int:
    """Award every registered badge (every app's rules) that is due. Returns new awards."""
    return registry.badges_pass(now=now)


badges_of = registry.badges_of
