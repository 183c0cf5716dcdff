"""Following a service's status: a customer is told about its incidents even when not in
their audience. Each change records its interaction; following twice changes nothing."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from outages.models import StatusSubscription
from outages.services.errors import StatusSubscriptionError
from portal.models import Customer, InteractionKind, Product, User
from portal.services.interactions import interaction_record


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
