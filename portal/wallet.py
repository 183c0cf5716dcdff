"""The customer's wallet across apps: codes and credits, whichever app issued them.

A peer app (loyalty's rewards, outages' compensation) registers a *source* in its
``AppConfig.ready()`` with ``wallet_source_register(source)``. A source has a ``name`` and two
methods:

- ``items_for(customer) -> list[WalletItem]``: the customer's codes and credits, with their
  state (active, used, expired, void);
- ``redeem(code, order_ref) -> WalletItem | None``: use one of *its* codes for an order, once
  (``None``: the code is not one of this source's). Idempotent by ``order_ref``: the same code
  redeemed again for the same order answers the same item (``replayed=True``); a code already
  used for another order, expired or void is refused with a ``ServiceError`` (409).

The wallet on ``/me/loyalty/`` lists every source's items; ``POST /api/v1/loyalty/codes/redeem``
redeems through ``wallet_redeem`` so a shop has one endpoint for every kind of code. Portal
imports no feature app: the sources come to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Customer
from portal.services.errors import ServiceError

CODE_MAX = 64
ORDER_REF_MAX = 100

#: An item's state, the same words in every source.
ACTIVE, USED, EXPIRED, VOID = "active", "used", "expired", "void"
STATES = (ACTIVE, USED, EXPIRED, VOID)
STATE_LABELS = {
    ACTIVE: gettext_lazy("Active"),
    USED: gettext_lazy("Used"),
    EXPIRED: gettext_lazy("Expired"),
    VOID: gettext_lazy("Cancelled"),
}
#: What an item is, for its icon and label.
KIND_LABELS = {
    "discount_code": gettext_lazy("Discount code"),
    "service_credit": gettext_lazy("Service credit"),
    "upgrade": gettext_lazy("Free upgrade or extra"),
    "donation": gettext_lazy("Donation"),
}


@dataclass(frozen=True)
class WalletItem:
    """One code or credit in a customer's wallet."""

    source: str  # the registering source's name: "loyalty", "outages", ...
    kind: str  # discount_code, service_credit, upgrade, donation
    title: str  # what it is, for the customer
    code: str  # "" for a credit applied without a code (the next bill)
    state: str  # one of STATES
    created_at: datetime
    value: Decimal | None = None
    currency: str = ""
    expires_at: datetime | None = None
    used_at: datetime | None = None
    order_ref: str = ""
    detail: str = ""  # e.g. the cause of a donation, the incident of a compensation
    replayed: bool = False  # set by a redeem that repeated an earlier one (same order)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS.get(self.state, self.state))

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def is_active(self) -> bool:
        return self.state == ACTIVE


class WalletSource(Protocol):
    name: str

    def items_for(self, customer: Customer) -> list[WalletItem]: ...

    def redeem(self, code: str, order_ref: str) -> WalletItem | None: ...


_sources: dict[str, WalletSource] = {}


def wallet_source_register(source: WalletSource) -> WalletSource:
    """Register (or replace, by name: ``ready()`` may run twice in tests) a wallet source."""
    _sources[source.name] = source
    return source


def wallet_sources() -> list[WalletSource]:
    return list(_sources.values())


def _order(item: WalletItem) -> tuple:
    # active first (soonest expiry first), then the rest newest first
    if item.state == ACTIVE:
        return (0, item.expires_at is None, item.expires_at or item.created_at, 0)
    return (1, False, item.created_at, 0)


def wallet_items(customer: Customer | None, *, state: str | None = None) -> list[WalletItem]:
    """Every source's items for ``customer``: active ones first (soonest to expire first),
    then used, expired and void ones, newest first."""
    if customer is None:
        return []
    items: list[WalletItem] = []
    for source in wallet_sources():
        items.extend(source.items_for(customer))
    if state is not None:
        items = [item for item in items if item.state == state]
    active = sorted((i for i in items if i.state == ACTIVE), key=_order)
    rest = sorted((i for i in items if i.state != ACTIVE), key=lambda i: i.created_at, reverse=True)
    return active + rest


def code_clean(code: object) -> str:
    """A code as typed or sent: trimmed, upper-case; refused when empty, too long or odd."""
    text = str(code or "").strip().upper()
    if not text:
        raise ServiceError(_("Enter a code."), status=422, fields={"code": _("Enter a code.")})
    if len(text) > CODE_MAX or not all(c.isalnum() or c in "-_" for c in text):
        raise ServiceError(
            _("This is not a valid code."),
            status=422,
            fields={"code": _("This is not a valid code.")},
        )
    return text


def order_ref_clean(order_ref: object) -> str:
    text = str(order_ref or "").strip()
    if not text:
        message = _("Give the order reference the code is used for.")
        raise ServiceError(message, status=422, fields={"order_ref": message})
    if len(text) > ORDER_REF_MAX or any(ord(c) < 32 for c in text):
        message = _("The order reference must be at most %(max)d printable characters.") % {
            "max": ORDER_REF_MAX
        }
        raise ServiceError(message, status=422, fields={"order_ref": message})
    return text


@transaction.atomic
def wallet_redeem(*, code: str, order_ref: str, sources: Iterable[WalletSource] | None = None):
    """Use ``code`` for the order ``order_ref``, whichever source issued it.

    Unknown code: 404. Used for another order, expired or cancelled: the source's 409.
    The same code and order again: the same item, ``replayed=True``."""
    code = code_clean(code)
    order_ref = order_ref_clean(order_ref)
    for source in sources if sources is not None else wallet_sources():
        item = source.redeem(code, order_ref)
        if item is not None:
            return item
    raise ServiceError(_("Unknown code: check it and try again."), status=404)


def replayed(item: WalletItem) -> WalletItem:
    return replace(item, replayed=True)
