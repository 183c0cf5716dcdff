"""Reads shared by every app's querysets.

``person_or_none`` is the first line of every ``visible_to(user)``: anonymous visitors,
deactivated accounts and ``None`` (a task, a signal without a request) are nobody, and see
what nobody sees (nothing, or the public rows of a model that is public by design). Only
then does a queryset ask about roles and ownership.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Subquery

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.models import Customer, User


def person_or_none(user: User | AnonymousUser | None) -> User | None:
    """The signed-in, active user ``user`` is, or ``None`` (anonymous, inactive, ``None``)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user


def customer_since(customer: Customer | None) -> datetime | None:
    """When ``customer`` became one: their earliest purchase or subscription start, or the
    account's creation when they have neither (issue 18: imported history predates the
    account row). One query, two index-backed subqueries; ``None`` for no customer."""
    if customer is None:
        return None
    from portal.models import Customer, Purchase, Subscription  # models import this module

    first_purchase = Purchase.objects.filter(customer=OuterRef("pk")).order_by("ordered_at")
    first_subscription = Subscription.objects.filter(customer=OuterRef("pk")).order_by("since")
    row = (
        Customer.objects.filter(pk=customer.pk)
        .values_list(
            Subquery(first_purchase.values("ordered_at")[:1]),
            Subquery(first_subscription.values("since")[:1]),
        )
        .first()
    )
    starts = [value for value in (row or ()) if value is not None]
    return min([*starts, customer.created_at])
