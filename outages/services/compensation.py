"""Compensation for an incident: granting its offer (one customer, or a batch during the
fan-out), a customer's claim from the notice, and redeeming a discount code. Each grant
records its ``compensation`` interaction (the ledger); each step happens once per customer."""

from __future__ import annotations

import secrets

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from outages.models import CompensationGrant, CompensationOffer, Incident, IncidentAudience
from outages.services.common import customer_lock
from outages.services.errors import CompensationError
from portal.models import Customer, User
from portal.models.interactions import Channel, InteractionKind
from portal.services.interactions import interaction_record, interaction_record_bulk


def _new_code() -> str:
    return "SORRY-" + secrets.token_hex(6).upper()


@transaction.atomic
def compensation_grant(*, incident: Incident, customer: Customer, claimed: bool = False):
    """Grant the incident's offer to one affected customer, once (returns the grant)."""
    offer = CompensationOffer.objects.filter(incident=incident).first()
    if offer is None:
        raise CompensationError(_("This incident has no compensation."))
    if not IncidentAudience.objects.filter(incident=incident, customer=customer).exists():
        raise CompensationError(_("You were not affected by this incident."))
    existing = CompensationGrant.objects.filter(incident=incident, customer=customer).first()
    if existing is not None:
        return existing
    code = _new_code() if offer.kind == CompensationOffer.Kind.DISCOUNT else ""
    try:
        with transaction.atomic():
            grant = CompensationGrant.objects.create(
                incident=incident,
                customer=customer,
                kind=offer.kind,
                amount=offer.amount,
                claimed=claimed,
                code=code,
            )
    except IntegrityError:  # a concurrent claim won
        return CompensationGrant.objects.get(incident=incident, customer=customer)
    interaction_record(
        kind=InteractionKind.COMPENSATION,
        customer=customer,
        target=grant,
        value=offer.amount,
        metadata={"incident": incident.pk, "kind": offer.kind, "claimed": claimed},
    )
    return grant


@transaction.atomic
def compensation_grant_bulk(*, incident: Incident, offer, customer_ids: list[int]) -> int:
    """Grant ``offer`` to many affected customers at once (the automatic offers of the
    fan-out): rows that exist already (an earlier run, the customer's own claim) are
    skipped; each new grant gets its ledger interaction. Returns how many were new."""
    now = timezone.now()
    wanted = set(
        IncidentAudience.objects.filter(incident=incident, customer_id__in=customer_ids)
        .exclude(
            customer_id__in=CompensationGrant.objects.filter(incident=incident).values(
                "customer_id"
            )
        )
        .values_list("customer_id", flat=True)
    )
    new: list[tuple[int, int]] = []
    for _attempt in range(3):  # a discount code that collided leaves its row out: retry it
        if not wanted:
            break
        codes = {
            c: _new_code() if offer.kind == CompensationOffer.Kind.DISCOUNT else "" for c in wanted
        }
        CompensationGrant.objects.bulk_create(
            [
                CompensationGrant(
                    incident=incident,
                    customer_id=c,
                    kind=offer.kind,
                    amount=offer.amount,
                    code=code,
                    created_at=now,
                )
                for c, code in codes.items()
            ],
            ignore_conflicts=True,
        )
        inserted = CompensationGrant.objects.filter(
            incident=incident, customer_id__in=wanted
        ).values_list("pk", "customer_id", "code", "created_at")
        for pk, customer_id, code, created_at in inserted:
            wanted.discard(customer_id)  # granted: by this run, or by a concurrent claim
            if created_at == now and code == codes[customer_id]:
                new.append((pk, customer_id))
    metadata = {"incident": incident.pk, "kind": offer.kind, "claimed": False}
    interaction_record_bulk(
        kind=InteractionKind.COMPENSATION,
        channel=Channel.WEB,
        target_type=ContentType.objects.get_for_model(CompensationGrant),
        rows=[(c, str(pk), offer.amount, metadata, now) for pk, c in new],
    )
    return len(new)


@transaction.atomic
def discount_redeem(*, code: str):
    """Use a discount code once; a second redemption is refused."""
    grant = (
        CompensationGrant.objects.select_for_update()
        .filter(code=code.strip().upper(), kind="discount")
        .first()
    )
    if grant is None:
        raise CompensationError(_("Unknown discount code."))
    if grant.redeemed_at is not None:
        raise CompensationError(_("This discount code has already been used."))
    grant.redeemed_at = timezone.now()
    grant.save(update_fields=["redeemed_at"])
    return grant


@transaction.atomic
def compensation_claim(
    *, incident: Incident, customer: Customer, user: User | None = None
) -> tuple[CompensationGrant, bool]:
    """The customer claims the incident's offer from the notice: grants it once (through
    ``compensation_grant(claimed=True)``, which records COMPENSATION) and records
    COMPENSATION_CLAIMED. Claiming again returns the same grant and records nothing.
    Returns (grant, claimed_now). Raises CompensationError when there is nothing to claim."""
    customer = customer_lock(customer)
    existing = CompensationGrant.objects.filter(incident=incident, customer=customer).first()
    if existing is not None:
        return existing, False
    grant = compensation_grant(incident=incident, customer=customer, claimed=True)
    interaction_record(
        kind=InteractionKind.COMPENSATION_CLAIMED,
        customer=customer,
        user=user,
        target=grant,
        value=grant.amount,
        metadata={"incident": incident.pk, "kind": grant.kind},
    )
    return grant, True
