"""Helper G's seams, connected from ``LoyaltyConfig.ready``: the wallet source (reward codes),
the referral signup (allauth ``user_signed_up``) and first-purchase receivers."""

from __future__ import annotations


def connect() -> None:
    from allauth.account.signals import user_signed_up

    from loyalty.services.codes import register as register_wallet
    from loyalty.services.referrals import purchase_received, signup_received
    from portal.signals import interaction_recorded

    register_wallet()
    user_signed_up.connect(signup_received, dispatch_uid="loyalty-referral-signup")
    # Promptness only: referrals_convert_pass (periodic) is the guarantee.
    interaction_recorded.connect(purchase_received, dispatch_uid="loyalty-referral-purchase")
