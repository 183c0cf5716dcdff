"""Reads shared by every app's querysets.

``person_or_none`` is the first line of every ``visible_to(user)``: anonymous visitors,
deactivated accounts and ``None`` (a task, a signal without a request) are nobody, and see
what nobody sees (nothing, or the public rows of a model that is public by design). Only
then does a queryset ask about roles and ownership.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.models import User


def person_or_none(user: User | AnonymousUser | None) -> User | None:
    """The signed-in, active user ``user`` is, or ``None`` (anonymous, inactive, ``None``)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user
