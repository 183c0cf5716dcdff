from __future__ import annotations

from django.conf import settings

from portal import roles


def portal(request) -> dict:
    user = getattr(request, "user", None)
    role = roles.role_of(user) if user is not None else "anonymous"
    return {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "user_role": role,
        "user_is_agent": role in ("agent", "admin"),
        "user_is_admin": role == "admin",
        # a callable: templates only run the query where they show the count
        "unread_notifications": (lambda: _unread(user)) if role != "anonymous" else 0,
    }


def _unread(user) -> int:
    from portal.services.notifications import unread_count

    return unread_count(user)
