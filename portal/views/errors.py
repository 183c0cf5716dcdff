"""The server-error handler (``handler500``): what a visitor or an API client sees when a
request fails, with the request's id as the reference to look up in the logs.

- The database unavailable (``OperationalError``, ``InterfaceError``, also when another error
  was raised while handling one): 503 with ``Retry-After``, the friendly ``503.html`` page, or
  JSON ``{"detail": ..., "request_id": ...}`` under ``/api/``.
- Anything else: 500, ``500.html`` with "reference: <id>", or JSON under ``/api/``.

Django has already logged the traceback (logger ``django.request``, with the request id: see
``LOGGING``) and told the error tracker (Sentry, when ``SENTRY_DSN`` is set) before this runs.
The handler needs neither the database nor the session, and renders without context
processors, so it works while they do not.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from portal.middleware import current_request_id

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"


def _database_unavailable(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _page(template: str, request_id: str, status: int, fallback: str) -> HttpResponse:
    try:
        content = render_to_string(template, {"request_id": request_id})
    except Exception:  # the error page must not fail in turn: plain text then
        return HttpResponse(
            f"{fallback} (reference: {request_id})", status=status, content_type="text/plain"
        )
    return HttpResponse(content, status=status)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    request_id = getattr(request, "request_id", None) or current_request_id()
    api = request.path.startswith(API_PREFIX)
    if _database_unavailable(sys.exc_info()[1]):
        if api:
            response = JsonResponse(
                {
                    "detail": _(
                        "The service is temporarily unavailable. Please try again shortly."
                    ),
                    "request_id": request_id,
                },
                status=503,
            )
        else:
            response = _page("503.html", request_id, 503, "Service temporarily unavailable")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if api:
        return JsonResponse(
            {
                "detail": _(
                    "Something went wrong on our side. The error has been logged with the "
                    "reference %(reference)s."
                )
                % {"reference": request_id},
                "request_id": request_id,
            },
            status=500,
        )
    return _page("500.html", request_id, 500, "Server error")
