"""Outage compensation in the customer's wallet (``portal.wallet``): one-time discount codes
and service credits granted after an incident, and discount codes redeemed by a shop through
``POST /api/v1/loyalty/codes/redeem``.

Idempotency by order reference: the redemption is recorded in the interaction log
(``COMPENSATION_CLAIMED`` on the grant, metadata ``redeemed`` and ``order_ref``), in the same
transaction as ``discount_redeem``; the same code and order again answers the same item.
Compensation in points is not here: it is credited to the loyalty ledger.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from portal import wallet
from portal.models import Channel, Customer, Interaction, InteractionKind
from portal.services.errors import ServiceError
from portal.services.interactions import interaction_record

from .models import CompensationGrant, CompensationOffer
from .services import CompensationError, discount_redeem

KINDS = {
    CompensationOffer.Kind.DISCOUNT: "discount_code",
    CompensationOffer.Kind.CREDIT: "service_credit",
}


def _redeemed_for(grant: CompensationGrant) -> str:
    """The order reference a redeemed discount code was used for ("" if unknown)."""
    row = (
        Interaction.objects.filter(
            target_type=ContentType.objects.get_for_model(CompensationGrant),
            target_id=str(grant.pk),
            kind=InteractionKind.COMPENSATION_CLAIMED,
            metadata__redeemed=True,
        )
        .order_by("pk")
        .values_list("metadata", flat=True)
        .first()
    )
    return (row or {}).get("order_ref", "")


def _item(grant: CompensationGrant, order_ref: str = "") -> wallet.WalletItem:
    used = grant.redeemed_at is not None
    return wallet.WalletItem(
        source=OutageWallet.name,
        kind=KINDS.get(grant.kind, grant.kind),
        title=_("Compensation: %(incident)s") % {"incident": grant.incident.tr.title},
        code=grant.code,
        state=wallet.USED if used else wallet.ACTIVE,
        created_at=grant.created_at,
        value=grant.amount,
        currency="EUR",
        used_at=grant.redeemed_at,
        order_ref=order_ref,
        detail=grant.get_kind_display(),
    )


class OutageWallet:
    name = "outages"

    def items_for(self, customer: Customer) -> list[wallet.WalletItem]:
        grants = (
            CompensationGrant.objects.filter(customer=customer, kind__in=list(KINDS))
            .select_related("incident")
            .order_by("-created_at")
        )
        return [_item(grant) for grant in grants]

    def redeem(self, code: str, order_ref: str) -> wallet.WalletItem | None:
        with transaction.atomic():
            grant = (
                CompensationGrant.objects.select_for_update(of=("self",))
                .select_related("incident")
                .filter(code=code, kind=CompensationOffer.Kind.DISCOUNT)
                .first()
            )
            if grant is None:
                return None
            if grant.redeemed_at is not None:
                if _redeemed_for(grant) == order_ref:
                    return wallet.replayed(_item(grant, order_ref))
                raise ServiceError(_("This code has already been used."), status=409)
            try:
                grant = discount_redeem(code=code)
            except CompensationError as error:  # used meanwhile (we hold the lock: not really)
                raise ServiceError(str(error), status=409) from error
            interaction_record(
                kind=InteractionKind.COMPENSATION_CLAIMED,
                channel=Channel.SHOP,
                customer=grant.customer,
                target=grant,
                value=grant.amount,
                metadata={"redeemed": True, "order_ref": order_ref, "code": code},
            )
            return _item(grant, order_ref)


def register() -> None:
    wallet.wallet_source_register(OutageWallet())
