"""``SignedInPageCacheMiddleware``: serves opted-in signed-in pages from the cache (see
``portal.usercache``). Listed after the session, language, CSRF, authentication, language
redirect and messages middleware, whose work a cached answer still needs."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.languages import request_language
from portal.usercache import tracking

logger = logging.getLogger("portal.usercache")

KEY_PREFIX = "usercache:"
EXCLUDED_HEADERS = frozenset({"set-cookie"})


class SignedInPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = self._key(request) if settings.PORTAL_SIGNED_IN_CACHE else None
        if key is None or not _opted_in(request):
            return self.get_response(request)
        entry = cache.get(key)
        if entry is not None:
            stored_versions, cached, fresh, content, headers, repeats = entry
            if tracking.versions(list(stored_versions)) == stored_versions and (
                not cached or tracking.cached_unchanged(cached)
            ):
                return self._hit(request, content, headers, fresh, repeats)
        before = tracking.versions()  # all of them: the page's tables are not known yet
        with tracking.recording() as recorder:
            response = self.get_response(request)
        from portal.usercache import ATTRIBUTE, REPEAT

        repeats = getattr(request, REPEAT, [])
        if (
            getattr(response, ATTRIBUTE, False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not (recorder.wrote & recorder.read)
            and (repeats or not recorder.wrote)
            and not self._has_messages(request)
            # A first page without a CSRF cookie gets one: this browser's next request has
            # a key with it, so nothing would ever find this entry.
            and settings.CSRF_COOKIE_NAME in request.COOKIES
        ):
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in EXCLUDED_HEADERS
            ]
            stored = {table: before.get(table, "") for table in sorted(recorder.read)}
            cache.set(
                key,
                (stored, recorder.cached, recorder.fresh, response.content, headers, repeats),
                timeout=settings.PORTAL_SIGNED_IN_CACHE_SECONDS,
            )
            response["X-Page-Cache"] = "miss"
        elif getattr(response, ATTRIBUTE, False):
            logger.debug(
                "%s not kept: status %s, cookies %s, wrote %s (of which read %s), repeats %s",
                request.path,
                response.status_code,
                sorted(response.cookies),
                sorted(recorder.wrote),
                sorted(recorder.wrote & recorder.read),
                len(repeats),
            )
        return response

    @staticmethod
    def _hit(
        request: HttpRequest, content: bytes, headers: list, fresh: dict, repeats: list
    ) -> HttpResponse:
        for old, factory in fresh.items():
            content = content.replace(old.encode(), str(import_string(factory)()).encode())
        for path, data, before in repeats:
            try:
                after = import_string(path)(request, data)
            except Exception:  # the page is right; a lost log line is logged, not a 500
                logger.exception("repeating %s on a cached page failed", path)
                continue
            content = _replaced(content, before, after)
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        response["X-Page-Cache"] = "hit"
        return response

    @staticmethod
    def _has_messages(request: HttpRequest) -> bool:
        if "messages" in request.COOKIES:
            return True
        session = getattr(request, "session", None)
        storage = getattr(request, "_messages", None)
        queued = bool(getattr(storage, "_queued_messages", None))
        return queued or (session is not None and "_messages" in session)

    def _key(self, request: HttpRequest) -> str | None:
        if request.method != "GET" or "HTTP_HX_REQUEST" in request.META:
            return None
        if "HTTP_AUTHORIZATION" in request.META or self._has_messages(request):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        session = request.session
        if session.session_key is None:
            return None
        fingerprint = tuple(getattr(user, f.attname) for f in user._meta.concrete_fields)
        raw = "|".join(
            (
                request.META.get("HTTP_HOST", ""),
                request.path,
                request.META.get("QUERY_STRING", ""),
                request_language(request),
                session.session_key,
                repr(sorted(session.items())),
                request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
                repr(fingerprint),
                timezone.localdate().isoformat(),
            )
        )
        return KEY_PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def _opted_in(request: HttpRequest) -> bool:
    """Whether the view this request goes to is marked ``cache_signed_in`` (resolved here, as
    the handler will: requests for other views pay for nothing else)."""
    from portal.usercache import ATTRIBUTE

    try:
        match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, ATTRIBUTE, False)


def _replaced(content: bytes, before, after) -> bytes:
    """``content`` with the strings a repeated function returned when the page was rendered
    (``before``: a list of tokens shown in the page) replaced by those it returned now."""
    if not isinstance(before, list) or not isinstance(after, list) or len(before) != len(after):
        return content
    for old, new in zip(before, after, strict=True):
        if isinstance(old, str) and isinstance(new, str) and old != new:
            content = content.replace(old.encode(), new.encode())
    return content
