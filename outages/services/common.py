"""Small steps the outage services share."""

from __future__ import annotations

from portal.models import Customer


def customer_lock(customer: Customer) -> Customer:
    """Lock the customer's row (``select_for_update``) for a step that must happen once per
    customer (the first view of a notice, a claim): two requests of the same customer at the
    same time are serialised on PostgreSQL, and SQLite serialises writers anyway."""
    return Customer.objects.select_for_update().get(pk=customer.pk)
