"""Small helpers every app's services share: the service clock, text cleaning, the agent check.

They live here once (portal is the floor every app stands on); an app passes its own error
class where the refusal must read as that app's (``clean_text(..., error=TicketError)``).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import roles
from portal.services.errors import ServiceError


def now_or(now: datetime | None) -> datetime:
    """``now`` if given (it must be timezone-aware: a naive one is a programming error), else
    the current time. Services take ``now=None`` so tests and the demo can write the past."""
    if now is not None and timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    return now or timezone.now()


def clean_text(
    value: str | None,
    *,
    field: str,
    maximum: int,
    minimum: int = 1,
    error: type[ServiceError] = ServiceError,
) -> str:
    """``value`` stripped and without NUL characters (PostgreSQL refuses them); ``error`` with
    a message naming ``field`` when it is empty, shorter than ``minimum`` or longer than
    ``maximum`` characters."""
    text = (value or "").replace("\x00", "").strip()
    if not text:
        raise error(_("The %(field)s cannot be empty.") % {"field": field})
    if len(text) < minimum:
        raise error(
            _("The %(field)s needs at least %(min)d characters.") % {"field": field, "min": minimum}
        )
    if len(text) > maximum:
        raise error(
            _("The %(field)s is longer than %(max)d characters.") % {"field": field, "max": maximum}
        )
    return text


def require_agent(user, message: str | None = None) -> None:
    """``PermissionDenied`` (HTTP 403 in views and the API, with ``message``) unless ``user``
    is an active agent or admin. ``None`` and anonymous users are refused too."""
    if user is None or not roles.is_agent(user):
        raise PermissionDenied(message or _("Only agents may do this."))
