"""View decorators for the roles (``portal.roles``): signed in, else the login page; the role,
else 403. Every app's desk, moderation and admin-only pages use these."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from portal import roles


def role_required(check: Callable[..., bool], message: str) -> Callable:
    """A decorator: the view runs for a signed-in user for whom ``check(user)`` holds;
    anonymous visitors go to the login page, everyone else gets 403 (``message``)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied(str(message))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


#: The desk and the agents' pages: agents and admins.
agent_required = role_required(roles.is_agent, _("This page is for agents."))
#: Community moderation: community moderators, agents and admins.
moderator_required = role_required(roles.can_moderate, _("This page is for moderators."))
#: Admins only.
admin_required = role_required(roles.is_admin, _("This page is for admins."))
