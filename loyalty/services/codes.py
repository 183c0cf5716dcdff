"""Codes in the wallet: loyalty's reward codes as a ``portal.wallet`` source, and
``code_redeem`` for a shop or billing system (any source's code: outages' discount codes too).

A code is single-use: redeemed once, for one order. The same code and order reference again
answers the first redemption (``replayed``): a shop retrying after a timeout is safe. Another
order, an expired or cancelled code: 409. Unknown: 404.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import Redemption, Reward
from loyalty.services.errors import LoyaltyError
from portal import wallet
from portal.models import Channel, Customer, InteractionKind
from portal.services.interactions import interaction_record

WALLET_KINDS = {
    Reward.Kind.DISCOUNT_CODE: "discount_code",
    Reward.Kind.SERVICE_CREDIT: "service_credit",
    Reward.Kind.UPGRADE: "upgrade",
    Reward.Kind.DONATION: "donation",
}


def redemption_state(redemption: Redemption, now: datetime | None = None) -> str:
    """The state a customer sees: an active code past its date is expired."""
    now = now or timezone.now()
    if (
        redemption.state == Redemption.State.ACTIVE
        and redemption.expires_at is not None
        and redemption.expires_at <= now
    ):
        return wallet.EXPIRED
    return redemption.state


def wallet_item(redemption: Redemption, now: datetime | None = None) -> wallet.WalletItem:
    reward = redemption.reward
    detail = redemption.cause
    if reward.kind == Reward.Kind.DONATION and redemption.cause:
        detail = _("Donated to %(cause)s") % {"cause": redemption.cause}
    return wallet.WalletItem(
        source=LoyaltyWallet.name,
        kind=WALLET_KINDS.get(reward.kind, reward.kind),
        title=reward.name,
        code=redemption.code,
        state=redemption_state(redemption, now),
        created_at=redemption.created_at,
        value=reward.value,
        currency=reward.currency,
        expires_at=redemption.expires_at,
        used_at=redemption.used_at,
        order_ref=redemption.order_ref,
        detail=detail,
    )


class LoyaltyWallet:
    name = "loyalty"

    def items_for(self, customer: Customer) -> list[wallet.WalletItem]:
        now = timezone.now()
        redemptions = Redemption.objects.filter(account__customer=customer).select_related("reward")
        return [wallet_item(redemption, now) for redemption in redemptions]

    def redeem(self, code: str, order_ref: str) -> wallet.WalletItem | None:
        with transaction.atomic():
            redemption = (
                Redemption.objects.select_for_update(of=("self",))
                .filter(code=code)
                .select_related("reward", "account__customer")
                .first()
            )
            if redemption is None:
                return None
            now = timezone.now()
            state = redemption_state(redemption, now)
            if state == Redemption.State.USED:
                if redemption.order_ref and redemption.order_ref == order_ref:
                    return wallet.replayed(wallet_item(redemption, now))
                raise LoyaltyError(_("This code has already been used."), status=409)
            if state == wallet.EXPIRED:
                raise LoyaltyError(_("This code has expired."), status=409)
            if state != Redemption.State.ACTIVE:
                raise LoyaltyError(_("This code has been cancelled."), status=409)
            redemption.state = Redemption.State.USED
            redemption.used_at = now
            redemption.order_ref = order_ref
            redemption.save(update_fields=["state", "used_at", "order_ref"])
            interaction_record(
                kind=InteractionKind.LOYALTY,
                channel=Channel.SHOP,
                customer=redemption.account.customer,
                target=redemption,
                value=redemption.reward.value,
                metadata={"event": "code_used", "order_ref": order_ref},
                occurred_at=now,
            )
            return wallet_item(redemption, now)


def register() -> None:
    wallet.wallet_source_register(LoyaltyWallet())


@transaction.atomic
def code_redeem(*, code: str, order_ref: str) -> wallet.WalletItem:
    """Use a code (a loyalty reward's or another wallet source's) for the order
    ``order_ref``; idempotent by order reference."""
    return wallet.wallet_redeem(code=code, order_ref=order_ref)
