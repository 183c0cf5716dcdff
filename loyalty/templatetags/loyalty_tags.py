"""``{% loyalty_summary user as loyalty %}``: the customer's balance, tier and progress for the
summary card on /me/ (None for a login without a customer record)."""

from __future__ import annotations

from django import template

from loyalty import selectors

register = template.Library()


@register.simple_tag
def loyalty_summary(user) -> selectors.Summary | None:
    customer = getattr(user, "customer", None) if user.is_authenticated else None
    if customer is None:
        return None
    return selectors.summary(customer)
