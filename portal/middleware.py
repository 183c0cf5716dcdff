from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.http import JsonResponse
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


class AdminContentSecurityPolicyMiddleware:
    """The Wagtail admin and the API docs use inline scripts and styles; give them the relaxed
    policy (``SECURE_CSP_RELAXED``) while every other page keeps the strict ``SECURE_CSP``.

    Listed after Django's CSP middleware, so it sets the per-response override before that
    middleware writes the header.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.SECURE_CSP_RELAXED_PREFIXES)

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.prefixes) and not hasattr(response, "_csp_config"):
            response._csp_config = settings.SECURE_CSP_RELAXED
        return response


# --- Request ids --------------------------------------------------------------------------
#: The current request's id, for the log records written while it is handled.
_request_id: ContextVar[str] = ContextVar("request_id", default="-")
#: What an id taken from the proxy's ``X-Request-ID`` may look like; anything else is replaced.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}")
REQUEST_ID_HEADER = "X-Request-ID"


def current_request_id() -> str:
    """The id of the request being handled in this thread or task ("-" outside requests)."""
    return _request_id.get()


class RequestIdMiddleware:
    """Give every request an id: the proxy's ``X-Request-ID`` when it is a sane token, else a
    new one. It is ``request.request_id``, the response's ``X-Request-ID`` header, a field of
    every log record written meanwhile (``RequestIdFilter``), a tag of the error report
    (Sentry) and the reference on the error pages. First in ``MIDDLEWARE``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        if settings.SENTRY_DSN:
            import sentry_sdk

            sentry_sdk.set_tag("request_id", request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record (for the formatters in ``LOGGING``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


# --- The API answers in JSON --------------------------------------------------------------
API_PREFIX = "/api/"


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's ``CommonMiddleware`` without the trailing-slash redirect under ``/api/``.

    An unknown API path would otherwise be redirected to the same path with a slash (a 301
    that a client re-sends as a GET), and with ``DEBUG`` a ``POST`` there is a
    ``RuntimeError`` (a 500). API paths have no trailing slash: an unknown one is a 404, which
    ``ApiJsonMiddleware`` answers in JSON."""

    def should_redirect_with_slash(self, request) -> bool:
        if request.path_info.startswith(API_PREFIX):
            return False
        return super().should_redirect_with_slash(request)


class ApiJsonMiddleware:
    """Under ``/api/`` every error is JSON with a ``detail``: a 4xx that is not JSON (Django's
    404 page for an unknown path, a 400 page) is replaced by ``{"detail": ...}`` with the same
    status. (The 500 page is JSON under ``/api/`` already: ``portal.views.errors``.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            400 <= response.status_code < 500
            and request.path_info.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            if response.status_code == 404:
                detail = _("There is nothing at this address of the API (see /api/v1/docs).")
            else:
                detail = response.reason_phrase
            json_response = JsonResponse({"detail": str(detail)}, status=response.status_code)
            json_response.cookies = response.cookies
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response


# --- Signed-in pages are private -----------------------------------------------------------
class PrivateCacheControlMiddleware:
    """A response to a signed-in user (session) or to an API token (``Authorization``) says
    ``Cache-Control: private``: a shared cache (a proxy, a CDN) must not keep it and hand it
    to someone else. Anonymous visitors' pages are left alone, so public pages stay cacheable
    (and the visitor page cache, ``portal.pagecache``, never sees a signed-in request).

    Only a request with a session cookie has its user looked up: reading ``request.user``
    loads the session, which adds ``Vary: Cookie`` to every anonymous page otherwise. Listed
    after ``AuthenticationMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "HTTP_AUTHORIZATION" in request.META or self._signed_in(request):
            patch_cache_control(response, private=True)
        return response

    @staticmethod
    def _signed_in(request) -> bool:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
