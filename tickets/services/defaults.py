"""Defaults of a new ticket that apps above tickets may adjust, without tickets importing them.

An app registers ``adjust(customer, priority) -> priority`` (loyalty raises the default
priority of its higher tiers' customers). Adjusters run in registration order on the
priority that impact and category give, only when nobody chose a priority; the result is
kept within ``Priority``.
"""

from __future__ import annotations

from collections.abc import Callable

from portal.models import Customer
from tickets.models import Priority

_priority_adjusters: list[Callable[[Customer, int], int]] = []


def ticket_priority_adjuster_register(adjust: Callable[[Customer, int], int]) -> None:
    if adjust not in _priority_adjusters:
        _priority_adjusters.append(adjust)


def ticket_default_priority(*, customer: Customer, priority: int) -> int:
    """``priority`` after every registered adjuster, bounded to the known priorities."""
    for adjust in _priority_adjusters:
        priority = adjust(customer, priority)
    return max(min(Priority.values), min(max(Priority.values), int(priority)))
