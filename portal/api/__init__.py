"""The REST API root (django-ninja), mounted at /api/v1/.

Feature apps add their routers here. OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.
Every error is JSON with a ``detail`` for a person to read (and ``errors`` for input errors).
"""

from __future__ import annotations

import json
from functools import wraps

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import JsonResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from portal.api.auth import SessionAuth, TokenAuth
from portal.api.core import router as core_router
from portal.services.errors import ServiceError

MAX_REPORTED_ERRORS = 50


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _check_no_nul(value) -> None:
    """PostgreSQL refuses NUL characters in text and jsonb: refuse them here (400), not there."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL characters are not allowed")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_no_nul(key)
            _check_no_nul(item)
    elif isinstance(value, list):
        for item in value:
            _check_no_nul(item)


class StrictJSONParser(Parser):
    """Standard JSON only: no NaN or Infinity, no NUL characters."""

    def parse_body(self, request):
        data = json.loads(request.body, parse_constant=_reject_constant)
        _check_no_nul(data)
        return data


class PortalAPI(NinjaAPI):
    """NinjaAPI whose wrong-method answer (405) is JSON too, not ninja's plain text.

    (An unknown path under /api/v1/ is Django's 404 page: a catch-all URL here would need its
    own row in the access matrix for no real gain.)"""

    def _get_urls(self):
        return [_json_not_allowed(pattern) for pattern in super()._get_urls()]


def _json_not_allowed(pattern):
    if not isinstance(pattern, URLPattern):
        return pattern
    view = pattern.callback

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            json_response = JsonResponse(
                {
                    "detail": _("Method %(method)s is not allowed here.")
                    % {"method": request.method}
                },
                status=405,
            )
            json_response["Allow"] = response["Allow"]
            return json_response
        return response

    return path(str(pattern.pattern), wrapper, name=pattern.name)


api = PortalAPI(
    title="Support portal API",
    version="1",
    description=(
        "Authenticate with `Authorization: Bearer <token>` (a personal token from /me/ or an "
        "integration token created by an admin), or with the portal session cookie plus the "
        "CSRF token in the `X-CSRFToken` header. Errors are JSON objects with a `detail`; "
        "invalid input is a 422 with `errors` (`index` is the position in a list)."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    parser=StrictJSONParser(),
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    message = exc.message if exc.message != "Unauthorized" else ""
    response = api.create_response(
        request,
        {"detail": message or _("Authentication required: send a valid API token.")},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _field(loc: tuple | list) -> tuple[str, int | None]:
    """``("body", "payload", "purchases", 3, "amount")`` -> ``("purchases.3.amount", 3)``."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[2:]  # the source and the view's parameter name
    index = parts[1] if len(parts) > 1 and isinstance(parts[1], int) else None
    return ".".join(str(part) for part in parts), index


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = []
    for error in exc.errors[:MAX_REPORTED_ERRORS]:
        field, index = _field(error.get("loc", ()))
        message = error.get("msg", _("invalid value"))
        errors.append(
            {
                "field": field,
                "index": index,
                "message": f"{field}: {message}" if field else _("request body: %s") % message,
            }
        )
    detail = _("The request is not valid: %(first)s") % {"first": errors[0]["message"]}
    if len(exc.errors) > 1:
        detail += _(" (and %(count)d more errors)") % {"count": len(exc.errors) - 1}
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return api.create_response(request, {"detail": _("The request body is too large.")}, status=413)


@api.exception_handler(SuspiciousOperation)
def _bad_request(request, exc):
    return api.create_response(request, {"detail": _("The request is not valid.")}, status=400)


@api.exception_handler(ServiceError)
def _refused(request, exc: ServiceError):
    """Every service refusal, translated once: its status, its message, its field errors.

    With field errors the answer has the shape of an invalid request body (``_invalid``):
    ``errors`` name the field (``None`` for the form as a whole, Django's ``__all__``) and
    ``detail`` quotes the first of them."""
    body: dict = {"detail": exc.message or _("The request cannot be carried out.")}
    errors = [
        {"field": field, "index": None, "message": f"{field}: {message}" if field else message}
        for name, messages in exc.fields.items()
        for field in [None if name in (NON_FIELD_ERRORS, "") else name]
        for message in messages
    ]
    if errors:
        body["errors"] = errors[:MAX_REPORTED_ERRORS]
        body["detail"] = _("The request is not valid: %(first)s") % {"first": errors[0]["message"]}
        if len(errors) > 1:
            body["detail"] += _(" (and %(count)d more errors)") % {"count": len(errors) - 1}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(
        request, {"detail": str(exc) or _("You may not do this.")}, status=403
    )


api.add_router("/", core_router)
