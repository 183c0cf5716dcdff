"""Referrals: a personal link per customer, a signup through it attributed to the referrer,
points for the referrer when the referred customer makes a first purchase.

Attribution: ``/r/<code>/`` keeps the code in the session (``SESSION_KEY``); allauth's
``user_signed_up`` signal (``signup_received``, connected in ``LoyaltyConfig.ready``) calls
``referral_attach`` for the new customer. Refused referrals are kept, with the reason, so the
programme's report can count them:

- **self**: the same customer record, or the same email address;
- **same email domain**: both addresses at one domain that is not a public mail provider
  (``PUBLIC_EMAIL_DOMAINS``): whoever owns ``example-shop.it`` can make any number of
  addresses there. Colleagues at one company are refused too (a company is not a new
  customer won by word of mouth); two gmail.com users are not;
- **loop**: the referred customer is already up the referrer's chain (A refers B, B refers A);
- **already a customer**: the referred record already has orders (a purchase import linked
  to the new login): nothing was won.

Payment identity: ``Purchase`` carries none today (no card fingerprint), so it cannot be
compared; when it does, add the check in ``_refusal``.

Conversion: the first order (amount > 0) of a referred customer after the referral converts
it and earns the referrer the ``referral_converted`` rule's points, once (``points_earn`` is
idempotent by source ``referral:<pk>``). ``referrals_convert_pass`` catches up from the
interaction log (purchase interactions, cursor ``referrals``); ``purchase_received`` (the
``interaction_recorded`` signal) is for promptness only.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import Account, Cursor, Referral, RuleKey
from loyalty.services.errors import LoyaltyError
from portal.models import Customer, Interaction, InteractionKind, Purchase

SESSION_KEY = "loyalty_referral_code"
CODE_MAX = 16
CHAIN_MAX = 50  # hops followed up a referral chain when looking for a loop
CURSOR = "referrals"
BATCH = 5000

PUBLIC_EMAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "outlook.it",
        "hotmail.com",
        "hotmail.it",
        "hotmail.co.uk",
        "live.com",
        "live.it",
        "msn.com",
        "yahoo.com",
        "yahoo.it",
        "yahoo.co.uk",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
        "fastmail.com",
        "tutanota.com",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "alice.it",
        "tim.it",
        "email.it",
        "inwind.it",
        "fastwebnet.it",
    ]
)


class Refusal:
    SELF = _("self-referral: the same customer or email address")
    DOMAIN = _("self-referral: the same private email domain")
    LOOP = _("referral loop: the referred customer is up the referrer's chain")
    CUSTOMER = _("already a customer when referred")


def _domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def _chain_reaches(referrer: Customer, referred: Customer) -> bool:
    """Is ``referred`` the referrer, or someone who (indirectly) referred the referrer?"""
    current = referrer.pk
    for _hop in range(CHAIN_MAX):
        parent = (
            Referral.objects.filter(referred_id=current)
            .exclude(status=Referral.Status.REFUSED)
            .values_list("referrer_id", flat=True)
            .first()
        )
        if parent is None:
            return False
        if parent == referred.pk:
            return True
        current = parent
    return True  # a chain this long is itself suspicious


def _refusal(referrer: Customer, referred: Customer) -> str:
    a, b = (referrer.email or "").strip().lower(), (referred.email or "").strip().lower()
    if referrer.pk == referred.pk or (a and a == b):
        return str(Refusal.SELF)
    if a and b and _domain(a) == _domain(b) and _domain(a) not in PUBLIC_EMAIL_DOMAINS:
        return str(Refusal.DOMAIN)
    if _chain_reaches(referrer, referred):
        return str(Refusal.LOOP)
    if Purchase.objects.orders().filter(customer=referred).exists():
        return str(Refusal.CUSTOMER)
    return ""


def referrer_for_code(code: str) -> Customer | None:
    code = (code or "").strip()
    if not code or len(code) > CODE_MAX:
        return None
    account = Account.objects.filter(referral_code=code).select_related("customer").first()
    return account.customer if account is not None else None


@transaction.atomic
def referral_attach(*, referred: Customer, code: str, now: datetime | None = None) -> Referral:
    """Attribute ``referred`` (a new customer) to the owner of the referral ``code``.

    Unknown code: ``LoyaltyError`` (404). A customer is referred at most once: attaching again
    returns the existing referral. A refused referral is stored with its reason and earns
    nothing."""
    referrer = referrer_for_code(code)
    if referrer is None:
        raise LoyaltyError(_("Unknown referral code."), status=404)
    existing = Referral.objects.filter(referred=referred).first()
    if existing is not None:
        return existing
    Customer.objects.select_for_update().filter(pk__in=[referrer.pk, referred.pk]).order_by(
        "pk"
    ).exists()  # two signups referring each other at once: one waits for the other
    existing = Referral.objects.filter(referred=referred).first()
    if existing is not None:
        return existing
    reason = _refusal(referrer, referred)
    referral = Referral.objects.create(
        referrer=referrer,
        referred=referred,
        status=Referral.Status.REFUSED if reason else Referral.Status.PENDING,
        refused_reason=reason[:200],
    )
    if now is not None:
        Referral.objects.filter(pk=referral.pk).update(created_at=now)
        referral.created_at = now
    return referral


@transaction.atomic
def referral_convert(
    *, referred: Customer, purchase_ref: str, at: datetime | None = None
) -> Referral | None:
    """The referred customer's first order: convert their pending referral and earn the
    referrer the ``referral_converted`` points (once). None when there is nothing to convert."""
    from loyalty.services.ledger import points_earn

    referral = (
        Referral.objects.select_for_update(of=("self",))
        .filter(referred=referred, status=Referral.Status.PENDING)
        .select_related("referrer")
        .first()
    )
    if referral is None:
        return None
    at = at or timezone.now()
    if at < referral.created_at:
        return None  # an order from before the referral (imported late) wins nothing
    referral.status = Referral.Status.CONVERTED
    referral.converted_at = at
    referral.purchase_ref = (purchase_ref or "")[:100]
    referral.save(update_fields=["status", "converted_at", "purchase_ref"])
    points_earn(
        customer=referral.referrer,
        rule=RuleKey.REFERRAL_CONVERTED,
        points=None,
        source_type="referral",
        source_id=str(referral.pk),
        reason=_("Referral: %(name)s made a first purchase") % {"name": referred.display_name},
        at=at,
    )
    return referral


def _convert_from(interaction_id: int, customer_id: int, target_id: str, at) -> bool:
    order_ref = (
        Purchase.objects.filter(pk=target_id).values_list("order_ref", flat=True).first()
        if target_id.isdigit()
        else None
    )
    customer = Customer.objects.get(pk=customer_id)
    return (
        referral_convert(referred=customer, purchase_ref=order_ref or target_id, at=at) is not None
    )


def _purchases_of_referred(after: int, upto: int):
    return (
        Interaction.objects.filter(
            pk__gt=after,
            pk__lte=upto,
            kind=InteractionKind.PURCHASE,
            value__gt=0,
            customer__referral__status=Referral.Status.PENDING,
        )
        .order_by("pk")
        .values_list("pk", "customer_id", "target_id", "occurred_at")
    )


def referrals_convert_pass(*, batch: int = BATCH) -> int:
    """Catch up from the interaction log: every purchase interaction after the cursor whose
    customer has a pending referral converts it. Returns how many referrals converted."""
    converted = 0
    while True:
        with transaction.atomic():
            cursor, _created = Cursor.objects.select_for_update().get_or_create(name=CURSOR)
            top = Interaction.objects.aggregate(top=Max("pk"))["top"] or 0
            upto = min(top, cursor.last_interaction_id + batch)
            if upto <= cursor.last_interaction_id:
                return converted
            for pk, customer_id, target_id, at in _purchases_of_referred(
                cursor.last_interaction_id, upto
            ):
                converted += _convert_from(pk, customer_id, target_id, at)
            cursor.last_interaction_id = upto
            cursor.save(update_fields=["last_interaction_id", "updated_at"])


def purchase_received(sender, interaction: Interaction, **kwargs) -> None:
    """``interaction_recorded`` receiver (promptness only: the pass is the guarantee)."""
    if interaction.kind != InteractionKind.PURCHASE or interaction.customer_id is None:
        return
    if interaction.value is None or interaction.value <= 0:
        return
    if not Referral.objects.filter(
        referred_id=interaction.customer_id, status=Referral.Status.PENDING
    ).exists():
        return
    _convert_from(
        interaction.pk, interaction.customer_id, interaction.target_id, interaction.occurred_at
    )


def signup_received(sender, request, user, **kwargs) -> None:
    """allauth ``user_signed_up`` receiver: attach the referral code kept in the session."""
    code = request.session.pop(SESSION_KEY, None) if request is not None else None
    customer = getattr(user, "customer", None)
    if not code or customer is None:
        return
    # an unknown or stale code never stands in the way of a signup
    with contextlib.suppress(LoyaltyError):
        referral_attach(referred=customer, code=code)
