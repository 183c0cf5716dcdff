"""Reads shared by every app's querysets.

``person_or_none`` is the first line of every ``visible_to(user)``: anonymous visitors,
deactivated accounts and ``None`` (a task, a signal without a request) are nobody, and see
what nobody sees (nothing, or the public rows of a model that is public by design). Only
then does a queryset ask about roles and ownership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Subquery

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from portal.models import Customer, User


def person_or_none(user: User | AnonymousUser | None) -> User | None:
    """The signed-in, active user ``user`` is, or ``None`` (anonymous, inactive, ``None``)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user


@dataclass(frozen=True)
class AccountFacts:
    """What the home page and ``/me/`` show about the signed-in person's account."""

    customer_since: datetime | None
    mfa_enabled: bool = False
    email_verified: bool = False


def account_facts(user: User, customer: Customer | None, *, security: bool = False) -> AccountFacts:
    """``customer_since(customer)`` and, with ``security``, whether ``user`` has two-factor
    on (allauth's ``is_mfa_enabled``) and a verified address (``has_verified_email``): one
    query where these were four. It also reads the customer's organisation, which these
    pages show, into ``customer.organisation``."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from portal.models import Customer, User  # models import this module

    checks = {}
    if security:
        checks = {
            "mfa": Exists(Authenticator.objects.filter(user_id=user.pk)),
            "verified": Exists(EmailAddress.objects.filter(user_id=user.pk, verified=True)),
        }
    if customer is None:
        row = User.objects.filter(pk=user.pk).values(**checks).first() if checks else None
        return AccountFacts(None, **_security(row or {}))
    row = (
        Customer.objects.filter(pk=customer.pk)
        .select_related("organisation")
        .annotate(**_since_subqueries(), **checks)
        .first()
    )
    if row is None:
        return AccountFacts(customer_since(customer))
    customer.organisation = row.organisation
    return AccountFacts(
        _since(customer, row.first_purchase, row.first_subscription),
        **_security({key: getattr(row, key) for key in checks}),
    )


def _security(row: dict) -> dict:
    return {"mfa_enabled": bool(row.get("mfa")), "email_verified": bool(row.get("verified"))}


def _since_subqueries() -> dict:
    from portal.models import Purchase, Subscription  # models import this module

    first_purchase = Purchase.objects.filter(customer=OuterRef("pk")).order_by("ordered_at")
    first_subscription = Subscription.objects.filter(customer=OuterRef("pk")).order_by("since")
    return {
        "first_purchase": Subquery(first_purchase.values("ordered_at")[:1]),
        "first_subscription": Subquery(first_subscription.values("since")[:1]),
    }


def _since(customer: Customer, *starts: datetime | None) -> datetime:
    return min([*(value for value in starts if value is not None), customer.created_at])


def with_customer_since(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """``customers`` with what ``customer_since`` needs read along (no query of its own)."""
    return customers.annotate(**_since_subqueries())


def customer_since(customer: Customer | None) -> datetime | None:
    """When ``customer`` became one: their earliest purchase or subscription start, or the
    account's creation when they have neither (issue 18: imported history predates the
    account row). One query, two index-backed subqueries; ``None`` for no customer."""
    if customer is None:
        return None
    if hasattr(customer, "first_purchase"):  # read along (``with_customer_since``)
        return _since(customer, customer.first_purchase, customer.first_subscription)
    from portal.models import Customer  # models import this module

    subqueries = _since_subqueries()
    row = Customer.objects.filter(pk=customer.pk).values_list(*subqueries.values()).first()
    return _since(customer, *(row or ()))
