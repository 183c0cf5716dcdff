"""Languages in URLs (issue 17): which language a request is in, and where the same page is in
another language.

The URL decides. Every user-facing page is inside ``i18n_patterns`` (``portal/urls.py``):
English (``settings.LANGUAGE_CODE``) unprefixed, Italian under ``/it/``. The rest (the API,
the Wagtail admin, documents, the sitemap, ``/healthz``, the language switch, webhooks, static
and media files) is outside and keeps the visitor's language cookie or ``Accept-Language``.

- ``request_language(request)``: the language a request is answered in (the locale middleware
  and the visitor page cache both ask it, so a cached page is never keyed otherwise than it
  was rendered).
- ``is_localized(path)``: whether a path is one of the pages that exist in every language.
- ``url_in_language(request, url, language)``: the same page in another language: a Wagtail
  page's translation when it has one (its slug may differ), else the URL with its language
  prefix swapped by Django's ``translate_url``.
- ``alternates(request, page)``: ``{language: absolute URL}`` for the hreflang links.
"""

from __future__ import annotations

from functools import cache, lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import (
    LocalePrefixPattern,
    Resolver404,
    URLResolver,
    get_resolver,
    resolve,
    translate_url,
)
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import translation

#: The name of Wagtail's page-serving URL (``wagtail.urls``).
WAGTAIL_SERVE = "wagtail_serve"
_REGEX_SPECIALS = frozenset("^$.*+?()[]{}|\\")


def default_language() -> str:
    return settings.LANGUAGE_CODE


def supported_language(code: str | None) -> str | None:
    """``code`` when it is one of ``settings.LANGUAGES`` (or a variant of one), else None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except (LookupError, ValueError):
        return None


def path_language(path: str) -> str | None:
    """The language of a path's prefix (``/it/...`` -> ``it``), None when unprefixed."""
    return translation.get_language_from_path(path)


def _literal_prefix(pattern) -> str:
    """The fixed start of a URL pattern (``api/v1/``, ``sitemap.xml``, ``media/``)."""
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        return text.split("<", 1)[0]
    if isinstance(pattern, RegexPattern):
        text = text.removeprefix("^")
        for index, char in enumerate(text):
            if char in _REGEX_SPECIALS:
                return text[:index]
        return text
    return ""


@cache
def _outside_i18n(urlconf) -> tuple[URLResolver, tuple[str, ...]]:
    """A resolver over the top-level patterns outside ``i18n_patterns``, and their fixed
    prefixes (an unknown ``/api/v1/nothing`` is outside too)."""
    outside = [
        pattern
        for pattern in get_resolver(urlconf).url_patterns
        if not (
            isinstance(pattern, URLResolver) and isinstance(pattern.pattern, LocalePrefixPattern)
        )
    ]
    prefixes = {_literal_prefix(pattern.pattern) for pattern in outside}
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        if url and url.startswith("/"):
            prefixes.add(url.lstrip("/"))
    return URLResolver(RegexPattern(r"^/"), outside), tuple(sorted(p for p in prefixes if p))


def is_localized(path: str, urlconf=None) -> bool:
    """True when ``path`` is a page that exists in every language (inside ``i18n_patterns``)."""
    urlconf = urlconf or settings.ROOT_URLCONF
    if path_language(path):
        return True
    return _unprefixed_is_localized(path, urlconf)


@lru_cache(maxsize=4096)  # asked up to three times a request (locale, page cache, redirect)
def _unprefixed_is_localized(path: str, urlconf) -> bool:
    if not is_language_prefix_patterns_used(urlconf)[0]:
        return False
    resolver, prefixes = _outside_i18n(urlconf)
    if path.lstrip("/").startswith(prefixes):
        return False
    try:
        resolver.resolve(path)
    except Resolver404:
        return True
    return False


def request_language(request: HttpRequest) -> str:
    """The language the request is answered in: the URL's (``/it/`` Italian, unprefixed
    English) for localized pages; the language cookie or ``Accept-Language`` elsewhere (API
    errors, the admin, the language switch)."""
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    from_path = path_language(request.path_info)
    if from_path:
        return from_path
    if is_localized(request.path_info, urlconf):
        return default_language()
    return translation.get_language_from_request(request)


def visitor_choice(request: HttpRequest) -> str | None:
    """The language an anonymous visitor chose: the language cookie (set by the switch or at
    sign-in); on the bare home page only, with no cookie, the browser's ``Accept-Language``
    (a first visit). None when nothing was chosen."""
    cookie = supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if cookie:
        return cookie
    if request.path_info == "/" and request.META.get("HTTP_ACCEPT_LANGUAGE"):
        return translation.get_language_from_request(request)
    return None


def plain_page_view(request: HttpRequest) -> bool:
    """A page view that may be redirected to another language: a ``GET`` (or ``HEAD``) of an
    unprefixed localized page, not htmx, not asking for JSON."""
    if request.method not in ("GET", "HEAD"):
        return False
    meta = request.META
    if "HTTP_HX_REQUEST" in meta or meta.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest":
        return False
    accept = meta.get("HTTP_ACCEPT", "")
    if "json" in accept and "html" not in accept:
        return False
    return path_language(request.path_info) is None and is_localized(request.path_info)


def visitor_redirected(request: HttpRequest) -> bool:
    """Whether an anonymous visitor's request is sent to another language (their cookie, or
    ``Accept-Language`` on a first visit of ``/``): the visitor page cache must not answer it."""
    if not plain_page_view(request):
        return False
    chosen = visitor_choice(request)
    return chosen is not None and chosen != default_language()


def wagtail_page_at(request: HttpRequest, path: str, language: str):
    """The live Wagtail page served at ``path`` (without language prefix) in ``language``'s
    tree, or None."""
    from wagtail.models import Site

    site = Site.find_for_request(request)
    if site is None:
        return None
    components = [part for part in path.split("/") if part]
    with translation.override(language):
        try:
            page, _args, _kwargs = site.root_page.localized.specific.route(request, components)
        except (Http404, PermissionDenied):
            return None
    return page


def page_url_in(page, language: str, request: HttpRequest | None = None) -> str | None:
    """The URL of ``page``'s live translation (or alias) in ``language``, None when there is
    none (or Wagtail's i18n is off)."""
    from wagtail.models import Locale

    if not settings.WAGTAIL_I18N_ENABLED:
        return None
    locale = Locale.objects.filter(language_code=language).first()
    if locale is None:
        return None
    found = page if page.locale_id == locale.pk else page.get_translation_or_none(locale)
    if found is None or not found.live:
        return None
    return found.get_url(request=request)


def url_in_language(request: HttpRequest, url: str, language: str, page=None) -> str:
    """``url`` (a local URL, query included) in ``language``: a Wagtail page's translation
    when it exists (``page`` when the caller has it already, else the page found at the URL),
    else ``translate_url`` (the same view with the other prefix). A URL outside the localized
    pages is returned unchanged."""
    parts = urlsplit(url)
    current = path_language(parts.path) or default_language()
    if current == language or not is_localized(parts.path):
        return url
    with translation.override(current):
        if page is None:
            try:
                match = resolve(unquote(parts.path))
            except Resolver404:
                match = None
            if match is not None and match.url_name == WAGTAIL_SERVE:
                page = wagtail_page_at(request, match.args[0] if match.args else "", current)
        if page is not None:
            found = page_url_in(page, language, request)
            if found:
                found_parts = urlsplit(found)
                return urlunsplit(
                    (parts.scheme, parts.netloc, found_parts.path, parts.query, parts.fragment)
                )
        return translate_url(url, language)


def alternates(request: HttpRequest, page=None) -> dict[str, str]:
    """``{language: absolute URL}`` of the current page in every language (empty outside the
    localized pages)."""
    if not is_localized(request.path_info):
        return {}
    full_path = request.get_full_path()
    found = {}
    for code, _name in settings.LANGUAGES:
        found[code] = request.build_absolute_uri(url_in_language(request, full_path, code, page))
    return found
