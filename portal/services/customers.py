"""Customer records: creating them, linking them to logins, updating profiles."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from portal.models import Channel, Customer, InteractionKind, User
from portal.models.accounts import NOTIFICATION_DEFAULTS
from portal.services.interactions import interaction_record


def _new_ref() -> str:
    return f"web-{secrets.token_hex(6)}"


@transaction.atomic
def customer_for_signup(*, user: User) -> Customer:
    """Give a newly signed-up user their customer record.

    If the shop already knows a customer with this email (a purchase import) and that record
    has no login yet, it becomes this user's record. This is safe because allauth's email
    verification is mandatory: nobody can sign in as an address they do not own.
    """
    existing = getattr(user, "customer", None)
    if existing is not None:
        return existing
    known = (
        Customer.objects.select_for_update()
        .filter(user__isnull=True, email__iexact=user.email)
        .order_by("pk")
        .first()
    )
    if known is not None:
        known.user = user
        if not known.name and user.full_name:
            known.name = user.full_name
        known.save(update_fields=["user", "name"])
        return known
    return Customer.objects.create(
        user=user, customer_ref=_new_ref(), email=user.email, name=user.full_name
    )


def customer_get_or_create_by_ref(
    *, customer_ref: str, email: str = "", name: str = ""
) -> Customer:
    """Find a customer by the external reference, creating a record without login if unknown."""
    try:
        with transaction.atomic():
            customer, _created = Customer.objects.get_or_create(
                customer_ref=customer_ref, defaults={"email": email, "name": name}
            )
    except IntegrityError:  # created concurrently
        customer = Customer.objects.get(customer_ref=customer_ref)
    return customer


@transaction.atomic
def profile_update(
    *,
    user: User,
    full_name: str,
    language: str,
    notification_preferences: dict[str, bool],
    consent_surveys: bool,
    consent_marketing: bool,
) -> User:
    """Save a user's own profile settings and record the change."""
    unknown = set(notification_preferences) - set(NOTIFICATION_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown notification preferences: {', '.join(sorted(unknown))}")
    user.full_name = full_name.strip()
    user.notification_preferences = {  # keys the form does not show keep their value
        key: bool(notification_preferences.get(key, user.wants(key)))
        for key in NOTIFICATION_DEFAULTS
    }
    user.save(update_fields=["full_name", "notification_preferences"])
    customer = getattr(user, "customer", None)
    if customer is not None:
        customer.name = user.full_name or customer.name
        customer.language = language
        customer.consent_surveys = consent_surveys
        customer.consent_marketing = consent_marketing
        customer.save(update_fields=["name", "language", "consent_surveys", "consent_marketing"])
        interaction_record(
            kind=InteractionKind.PROFILE_UPDATE, channel=Channel.WEB, customer=customer, user=user
        )
    return user
