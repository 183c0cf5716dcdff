"""Roles are Django groups (plus superusers for admins); this module is their one vocabulary.

- customer: any active user who is not staff (a ``Customer`` row is their profile)
- agent: staff user in the Agents group (optionally in teams)
- moderator: user in the "Community moderators" group (community moderation; not necessarily staff)
- admin: superuser, or staff user in the Admins group
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.models import User

AGENTS = "Agents"
MODERATORS = "Community moderators"  # Wagtail ships its own "Moderators" (editorial) group
ADMINS = "Admins"
ROLE_GROUPS = (AGENTS, MODERATORS, ADMINS)


def _group_names(user: User) -> frozenset[str]:
    cached = getattr(user, "_portal_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._portal_group_names = cached
    return cached


def is_admin(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or (user.is_staff and ADMINS in _group_names(user))


def is_agent(user: User | AnonymousUser) -> bool:
    """Agents work the desk; admins can do everything agents can."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_admin(user) or (user.is_staff and AGENTS in _group_names(user))


def is_moderator(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return is_admin(user) or MODERATORS in _group_names(user)


def can_moderate(user: User | AnonymousUser | None) -> bool:
    """Community moderation: community moderators and agents (admins are both)."""
    return user is not None and (is_moderator(user) or is_agent(user))


def role_of(user: User | AnonymousUser) -> str:
    """The highest role, for display and access decisions that need a single word."""
    if not user.is_authenticated:
        return "anonymous"
    if is_admin(user):
        return "admin"
    if is_agent(user):
        return "agent"
    if is_moderator(user):
        return "moderator"
    return "customer"
