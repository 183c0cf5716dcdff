"""API authentication: bearer tokens (personal or integration) and the session cookie.

Each operation states who may call it with ``auth=allow(predicate, message)``: the request is
authenticated first (no or bad credentials: 401), then the predicate decides (false: 403),
before the body is read, so a caller without permission learns nothing about the input rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from portal import roles
from portal.models import ApiToken
from portal.services.tokens import api_token_authenticate

Predicate = Callable[[HttpRequest], bool]


class TokenRejected(AuthenticationError):
    """A bearer token was sent but is unknown, revoked or expired (401, never a fallback)."""

    def __init__(self) -> None:
        super().__init__(
            message=_("The API token is not valid: it is unknown, revoked or expired.")
        )


def _everyone(request: HttpRequest) -> bool:
    return True


class _PortalAuth:
    def __init__(self, allow: Predicate = _everyone, denied: Any = "") -> None:
        self.allow = allow
        self.denied = denied
        super().__init__()

    def permit(self, request: HttpRequest) -> None:
        if not self.allow(request):
            raise HttpError(403, str(self.denied or _("You may not use this operation.")))


class TokenAuth(_PortalAuth, HttpBearer):
    """``Authorization: Bearer hdp_...``. Sets ``request.api_token``; a personal token also
    sets ``request.user`` to its owner, an integration token leaves the user anonymous."""

    def authenticate(self, request, token: str):
        api_token = api_token_authenticate(token.strip())
        if api_token is None:
            raise TokenRejected()
        request.api_token = api_token
        if api_token.kind == ApiToken.Kind.PERSONAL:
            request.user = api_token.user
        else:
            request.user = AnonymousUser()
        self.permit(request)
        return api_token


class SessionAuth(_PortalAuth, APIKeyCookie):
    """The portal's own session (browser calls); CSRF is checked for unsafe methods.

    Only a signed-in session is checked for CSRF: without one this scheme does not apply,
    and the caller gets a 401 rather than a misleading CSRF error.
    """

    param_name = "sessionid"

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request) is not None:
            raise HttpError(
                403,
                _(
                    "CSRF verification failed: send the csrftoken cookie's value in the "
                    "X-CSRFToken header."
                ),
            )
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request, key):
        request.api_token = None
        self.permit(request)
        return request.user


def is_integration(request: HttpRequest) -> bool:
    token = getattr(request, "api_token", None)
    return token is not None and token.kind == ApiToken.Kind.INTEGRATION


def is_person(request: HttpRequest) -> bool:
    return request.user.is_authenticated


def may_push_purchases(request: HttpRequest) -> bool:
    return is_integration(request) or roles.is_admin(request.user)


def may_push_interactions(request: HttpRequest) -> bool:
    return is_integration(request) or roles.is_agent(request.user)


def allow(predicate: Predicate = _everyone, denied: Any = "") -> list[_PortalAuth]:
    """The auth list for an operation: token or session, then ``predicate`` (else 403)."""
    return [TokenAuth(predicate, denied), SessionAuth(predicate, denied)]
