from loyalty.models.ledger import Account, Cursor, EarnRule, PointsEntry, RuleKey
from loyalty.models.referrals import Referral
from loyalty.models.rewards import ExpiryNotice, Redemption, Reward
from loyalty.models.tiers import Tier, TierChange

__all__ = [
    "Account",
    "Cursor",
    "EarnRule",
    "ExpiryNotice",
    "PointsEntry",
    "Redemption",
    "Referral",
    "Reward",
    "RuleKey",
    "Tier",
    "TierChange",
]
