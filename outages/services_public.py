"""Writes customers make on the public side: follow a service's status, view a notice, claim
compensation. Each records its interaction; each is idempotent.

Per-customer steps that must happen once (the first view of a notice, a claim) lock the
customer's row first (``select_for_update``): two requests of the same customer at the same
time are serialised on PostgreSQL, and SQLite serialises writers anyway.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.models import Customer, Interaction, InteractionKind, Product, User
from portal.services.interactions import interaction_record

from .models import CompensationGrant, Incident, StatusSubscription
from .services import CompensationError, compensation_grant


class StatusSubscriptionError(ValueError):
    """A follow request that cannot be honoured."""


def _lock(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer.pk)


@transaction.atomic
def status_subscription_add(
    *, customer: Customer, product: Product, user: User | None = None
) -> tuple[StatusSubscription, bool]:
    """Follow a service's status updates. Returns (subscription, created)."""
    if product.kind != Product.Kind.SERVICE or not product.is_active:
        raise StatusSubscriptionError(_("Only active services can be followed."))
    try:
        with transaction.atomic():
            subscription, created = StatusSubscription.objects.get_or_create(
                customer=customer, product=product
            )
    except IntegrityError:  # a concurrent request of the same customer won
        return StatusSubscription.objects.get(customer=customer, product=product), False
    if created:
        interaction_record(
            kind=InteractionKind.STATUS_SUBSCRIBE,
            customer=customer,
            user=user,
            target=product,
            metadata={"action": "follow"},
        )
    return subscription, created


@transaction.atomic
def status_subscription_remove(
    *, customer: Customer, product: Product, user: User | None = None
) -> bool:
    """Stop following; returns whether there was something to remove."""
    deleted, _rows = StatusSubscription.objects.filter(customer=customer, product=product).delete()
    if deleted:
        interaction_record(
            kind=InteractionKind.STATUS_SUBSCRIBE,
            customer=customer,
            user=user,
            target=product,
            metadata={"action": "unfollow"},
        )
    return bool(deleted)


VIEWED_TTL = 24 * 3600


def _viewed_key(incident_id: int, customer_id: int) -> str:
    return f"outages:viewed:{incident_id}:{customer_id}"


def notice_view_record(*, incident: Incident, customer: Customer, user: User | None = None) -> bool:
    """Record that the customer read the incident's notice: one NOTICE_VIEWED interaction per
    customer and incident, however often the page is opened. Returns whether it was recorded
    now. A cache entry spares repeated views the database round trip."""
    key = _viewed_key(incident.pk, customer.pk)
    if cache.get(key):
        return False
    recorded = _notice_view_record(incident=incident, customer=customer, user=user)
    cache.set(key, 1, VIEWED_TTL)
    return recorded


@transaction.atomic
def _notice_view_record(*, incident: Incident, customer: Customer, user: User | None) -> bool:
    customer = _lock(customer)
    seen = Interaction.objects.filter(
        kind=InteractionKind.NOTICE_VIEWED,
        customer=customer,
        target_type__model="incident",
        target_type__app_label="outages",
        target_id=str(incident.pk),
    ).exists()
    if seen:
        return False
    interaction_record(
        kind=InteractionKind.NOTICE_VIEWED,
        customer=customer,
        user=user,
        target=incident,
        metadata={"incident": incident.pk},
    )
    return True


@transaction.atomic
def compensation_claim(
    *, incident: Incident, customer: Customer, user: User | None = None
) -> tuple[CompensationGrant, bool]:
    """The customer claims the incident's offer from the notice: grants it once (through
    ``compensation_grant(claimed=True)``, which records COMPENSATION) and records
    COMPENSATION_CLAIMED. Claiming again returns the same grant and records nothing.
    Returns (grant, claimed_now). Raises CompensationError when there is nothing to claim."""
    customer = _lock(customer)
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


__all__ = [
    "CompensationError",
    "StatusSubscriptionError",
    "compensation_claim",
    "notice_view_record",
    "status_subscription_add",
    "status_subscription_remove",
]
