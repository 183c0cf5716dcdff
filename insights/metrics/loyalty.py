"""The loyalty programme's metrics (issue 15): members, points issued, redeemed and
outstanding, the redemption rate and the referral conversion rate, over the period and the
segment (a segment narrows them to its customers). The figures come from
``loyalty.selectors.programme_figures`` (the admin report reads the same); one query set per
period and segment inside ``shared_queries``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from insights.metrics.base import Period, Segment, metric, shared


def figures(period: Period, segment: Segment) -> dict:
    from loyalty.selectors import programme_figures

    customers = None if segment.is_everyone else segment.customers_qs()
    return shared(
        ("loyalty", period, segment),
        lambda: programme_figures(period.start_at, period.end_at, customers=customers),
    )


def _value(name: str, doc: str):
    def compute(period: Period, segment: Segment) -> float | None:
        value = figures(period, segment)[name]
        return None if value is None else float(value)

    compute.__doc__ = doc
    compute.__name__ = name
    return compute


loyalty_members = metric(
    "loyalty_members",
    label=_("Loyalty members"),
    formula=_("Customers with any points in the loyalty ledger by the end of the period."),
    unit="number",
    family="loyalty",
)(
    _value(
        "loyalty_members",
        "loyalty_members = count(customers with a ledger row created before the period's end)",
    )
)
points_issued = metric(
    "points_issued",
    label=_("Points issued"),
    formula=_("Loyalty points earned or added by an adjustment during the period."),
    unit="number",
    family="loyalty",
)(
    _value(
        "points_issued",
        "points_issued = sum(points of earn and upward adjust rows created in the period)",
    )
)
points_redeemed = metric(
    "points_redeemed",
    label=_("Points redeemed"),
    formula=_("Loyalty points spent on rewards during the period."),
    unit="number",
    family="loyalty",
)(
    _value(
        "points_redeemed",
        "points_redeemed = -sum(points of redeem rows created in the period)",
    )
)
points_outstanding = metric(
    "points_outstanding",
    label=_("Points outstanding"),
    formula=_(
        "Loyalty points held by customers at the end of the period: the programme's liability."
    ),
    unit="number",
    family="loyalty",
    higher_is_better=False,
)(
    _value(
        "points_outstanding",
        "points_outstanding = sum(points of every ledger row created before the period's end)",
    )
)
redemption_rate = metric(
    "redemption_rate",
    label=_("Redemption rate"),
    formula=_("Points redeemed in the period as a share of the points issued in it."),
    unit="rate",
    family="loyalty",
)(
    _value(
        "redemption_rate",
        "redemption_rate = points_redeemed / points_issued (None when nothing was issued)",
    )
)
referral_conversion_rate = metric(
    "referral_conversion_rate",
    label=_("Referral conversion rate"),
    formula=_(
        "Of the customers referred in the period (refused referrals aside), the share who "
        "made a first purchase."
    ),
    unit="rate",
    family="loyalty",
)(
    _value(
        "referral_conversion_rate",
        "referral_conversion_rate = converted referrals / referrals made in the period"
        " (refused ones aside)",
    )
)


#: The metrics compared across the programme's tiers (the dashboard's table).
BY_TIER = ("retention_rate", "repeat_customer_rate", "customer_lifetime_value")


def by_loyalty_tier(period: Period) -> list[dict]:
    """Retention, repeat rate and CLV per loyalty tier, then for all members against
    non-members: ``[{"segment", "label", <metric>: value, ...}]``."""
    from insights.metrics.base import LOYALTY_MEMBERS, LOYALTY_NON_MEMBERS, REGISTRY
    from loyalty.models import Tier

    groups = [(tier.slug, tier.name) for tier in Tier.objects.order_by("rank")]
    groups += [(LOYALTY_MEMBERS, str(_("Members"))), (LOYALTY_NON_MEMBERS, str(_("Non-members")))]
    rows = []
    for slug, label in groups:
        segment = Segment(loyalty_tier=slug)
        row: dict = {"segment": slug, "label": label}
        for name in BY_TIER:
            row[name] = REGISTRY[name](period, segment)
        rows.append(row)
    return rows
