"""A full-page cache for anonymous visitors of public pages.

Public pages (home, knowledge-base pages, the status page, forum threads) are read far more
often than they change, mostly by visitors who are not signed in. A view opts in with
``cache_for_visitors(seconds)`` (a decorator) or ``mark_cacheable(response, seconds)`` (for
Wagtail pages' ``serve``); ``VisitorPageCacheMiddleware``, placed before the session
middleware, then answers repeated anonymous requests from the cache without running the view,
the session, the user look-up or the templates.

What may be cached is decided conservatively, on both sides:

- the request: ``GET`` without a query string (except a lone ``page=<number>``: paginated
  lists are cached page by page), without a session or messages cookie (every signed-in user
  has a session cookie, so signed-in pages are never shared), not an htmx request, no
  ``Authorization`` header;
- the response: status 200, not streaming, opted in, and setting no cookie at all. A page
  that renders a CSRF token sets the ``csrftoken`` cookie, so it is never stored: forms on
  cacheable pages must not need one for anonymous visitors (see ``csrf_for_signed_in``).

The key holds the host, the path, the page number and the language the page is answered in
(``portal.languages.request_language``: the URL's, ``/it/`` or unprefixed English). A visitor
whom ``portal.i18n_middleware.LanguageRedirectMiddleware`` sends to another language (an
Italian language cookie on an unprefixed page; ``Accept-Language`` on a first visit of ``/``) is
never answered from the cache: the middleware comes before the redirect, so it lets the request
through (``portal.languages.visitor_redirected``). ``page_cache_clear()`` bumps a version
stored beside the entries, so every cached page is dropped at once (Wagtail's publish and
unpublish call it); otherwise an entry lives for the seconds its view chose.
While the cache is down (Redis unavailable) pages are served uncached: the cache backend
degrades instead of failing (``portal/cache_backend.py``), and the middleware neither reads
nor stores pages meanwhile. ``PORTAL_VISITOR_CACHE`` switches it off (the default under
tests, where pages must reflect each test's data).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from portal.languages import request_language, visitor_redirected

VERSION_KEY = "pagecache:version"
PAGE_ONLY = re.compile(r"page=[1-9][0-9]{0,5}")
ATTRIBUTE = "visitor_cache_seconds"


def mark_cacheable(response: HttpResponse, seconds: int) -> HttpResponse:
    """Let the middleware keep this response for anonymous visitors for ``seconds``."""
    setattr(response, ATTRIBUTE, seconds)
    return response


def cache_for_visitors(seconds: int) -> Callable:
    """View decorator: the response may be shared by anonymous visitors for ``seconds``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            return mark_cacheable(view(request, *args, **kwargs), seconds)

        return wrapped

    return decorator


def _cache_degraded() -> bool:
    """True while the cache is down (``portal.cache_backend.ResilientRedisCache``): its
    per-process stand-in must not hold pages that other processes could not drop."""
    return getattr(cache, "degraded", False)


def page_cache_clear() -> None:
    """Drop every cached page (bump the version the entries are checked against)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet: nothing is cached under a version we would reuse
        cache.set(VERSION_KEY, 1, timeout=None)


def csrf_for_signed_in(view: Callable) -> Callable:
    """CSRF protection for signed-in users only, so pages for anonymous visitors can be
    cached without a per-visitor token.

    An anonymous POST carries no ambient authority: the session cookie is ``SameSite=Lax``, so
    a forged cross-site POST arrives as a brand-new visitor and can do only what anyone can do
    directly (cast one rate-limited anonymous vote, pick a language). Signed-in requests are
    checked exactly as ``CsrfViewMiddleware`` would.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            rejection = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(
                request, None, (), {}
            )
            if rejection is not None:
                return rejection
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapped)


class VisitorPageCacheMiddleware:
    """Serve opted-in public pages to anonymous visitors from the cache (see module docs)."""

    SKIP_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")
    KEPT_HEADERS_EXCLUDED = frozenset({"set-cookie"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        if _cache_degraded():  # the cache is down: serve the page uncached
            return self.get_response(request)
        found = cache.get_many([key, VERSION_KEY])
        version = found.get(VERSION_KEY, 0)
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            return self._rebuild(entry)
        response = self.get_response(request)
        seconds = getattr(response, ATTRIBUTE, 0)
        if (
            seconds
            and not _cache_degraded()
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
        ):
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in self.KEPT_HEADERS_EXCLUDED
            ]
            cache.set(key, (version, response.content, headers), timeout=seconds)
            response["X-Page-Cache"] = "miss"
        return response

    def _key(self, request: HttpRequest) -> str | None:
        if not settings.PORTAL_VISITOR_CACHE:
            return None
        query = request.META.get("QUERY_STRING", "")
        if request.method != "GET" or (query and not PAGE_ONLY.fullmatch(query)):
            return None
        if any(name in request.COOKIES for name in self.SKIP_COOKIES):
            return None
        if "HTTP_HX_REQUEST" in request.META or "HTTP_AUTHORIZATION" in request.META:
            return None
        if visitor_redirected(request):  # answered by a redirect to the chosen language
            return None
        language = request_language(request)
        raw = f"{request.META.get('HTTP_HOST', '')}|{request.path}|{query}|{language}"
        return "pagecache:" + hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def _rebuild(entry: tuple) -> HttpResponse:
        _version, content, headers = entry
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        response["X-Page-Cache"] = "hit"
        return response
