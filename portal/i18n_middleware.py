"""The language of a request: the URL decides, a chosen language redirects (issue 17).

``LocaleMiddleware`` (in place of Django's) activates the language of the URL for the
localized pages (``/it/...`` Italian, unprefixed English) and the cookie or
``Accept-Language`` elsewhere (``portal.languages.request_language``).

``LanguageRedirectMiddleware`` (after ``AuthenticationMiddleware``) sends someone who chose
another language to the same page in it: a ``GET`` of an unprefixed page by a visitor whose
language cookie says Italian, or by a signed-in customer whose preference is Italian, is a 302
to the ``/it/`` page. ``Accept-Language`` alone redirects only the bare home page ``/`` of a
visitor without a language cookie (a first visit); everywhere else links and crawlers see the
page they asked for. Never a ``POST``, an htmx or JSON request, or a path outside the localized
pages (API, admin, webhooks). The visitor page cache (before both) skips every request this
would redirect (``portal.pagecache``), so it never answers one with the English page.

At sign-in (``user_logged_in``) a customer's preference wins: the language cookie is set to
it and the redirect after the sign-in goes to the page in that language.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.signals import user_signed_up
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from portal.languages import (
    default_language,
    path_language,
    plain_page_view,
    request_language,
    supported_language,
    url_in_language,
    visitor_choice,
)
from portal.services.customers import profile_update

#: Set on the request by ``_on_login``: the language the signed-in customer prefers.
LOGIN_LANGUAGE = "_portal_login_language"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's locale middleware, with the language of the URL for the localized pages only:
    outside them (the API, the admin, the language switch) the cookie or ``Accept-Language``
    still decides, as Django's does without ``i18n_patterns``."""

    def process_request(self, request: HttpRequest) -> None:
        translation.activate(request_language(request))
        request.LANGUAGE_CODE = translation.get_language()


def set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def customer_language(user) -> str | None:
    """A signed-in customer's preferred language (None for staff without a customer)."""
    customer = getattr(user, "customer", None)
    return supported_language(customer.language) if customer is not None else None


def _signed_in(request: HttpRequest) -> bool:
    """Whether a user is signed in, without loading a session the request does not carry."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class LanguageRedirectMiddleware:
    """Redirect an unprefixed page to the chosen language (see the module docs). Listed after
    ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sync_cookie = None
        if plain_page_view(request):
            chosen, sync_cookie = self._chosen(request)
            if chosen and chosen != default_language():
                target = url_in_language(request, request.get_full_path(), chosen)
                if target != request.get_full_path():
                    response = HttpResponseRedirect(target)
                    patch_vary_headers(response, ("Accept-Language", "Cookie"))
                    if sync_cookie:
                        set_language_cookie(response, sync_cookie)
                    return response
        response = self.get_response(request)
        if sync_cookie:
            set_language_cookie(response, sync_cookie)
        self._keep_language(request, response)
        login_language = getattr(request, LOGIN_LANGUAGE, None)
        if login_language:
            self._after_login(request, response, login_language)
        return response

    @staticmethod
    def _chosen(request: HttpRequest) -> tuple[str | None, str | None]:
        """(the chosen language, the cookie to set so it matches a customer's preference)."""
        cookie = supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        if _signed_in(request):
            preferred = customer_language(request.user)
            if preferred:
                return preferred, (preferred if preferred != cookie else None)
            return cookie, None
        return visitor_choice(request), None

    @staticmethod
    def _keep_language(request: HttpRequest, response: HttpResponse) -> None:
        """A redirect from an Italian page to an unprefixed page (a stored link, a search
        result's English URL) stays in Italian, unless the view chose a language itself (it
        set the language cookie: the profile form)."""
        language = path_language(request.path_info)
        if (
            language is None
            or language == default_language()
            or response.status_code not in REDIRECT_STATUSES
            or settings.LANGUAGE_COOKIE_NAME in response.cookies
        ):
            return
        location = response.get("Location", "")
        if url_has_allowed_host_and_scheme(
            location, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            response["Location"] = url_in_language(request, location, language)

    @staticmethod
    def _after_login(request: HttpRequest, response: HttpResponse, language: str) -> None:
        """After a sign-in: the customer's language in the cookie, and the page the sign-in
        redirects to in that language."""
        set_language_cookie(response, language)
        location = response.get("Location", "")
        if response.status_code in REDIRECT_STATUSES and url_has_allowed_host_and_scheme(
            location, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            response["Location"] = url_in_language(request, location, language)


def remember_language(*, user, language: str) -> None:
    """Make ``language`` a signed-in customer's preference, through the profile service (staff
    without a customer record keep the cookie only)."""
    customer = getattr(user, "customer", None)
    if customer is None or customer.language == language:
        return
    profile_update(
        user=user,
        full_name=user.full_name,
        language=language,
        notification_preferences={},  # every preference keeps its value
        consent_surveys=customer.consent_surveys,
        consent_marketing=customer.consent_marketing,
    )


def _on_signup(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """A new customer prefers the language they signed up in (``/it/accounts/signup/``)."""
    language = getattr(request, "LANGUAGE_CODE", None) if request is not None else None
    if supported_language(language):
        remember_language(user=user, language=supported_language(language))


def _on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Remember a signing-in customer's language for ``LanguageRedirectMiddleware``."""
    if request is None:
        return
    language = customer_language(user)
    if language:
        setattr(request, LOGIN_LANGUAGE, language)
        # the rest of the sign-in (allauth's "Signed in as ..." message) in their language
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _forget_language(sender, **kwargs) -> None:
    """After a response: no language stays active in the thread (the next request sets its own,
    and code outside requests, such as ``reverse()`` in a task, gets the default language)."""
    translation.deactivate()


# Connected here, beside the middleware that acts on them: without the middleware they are moot.
request_finished.connect(_forget_language, dispatch_uid="portal-forget-language")
user_logged_in.connect(_on_login, dispatch_uid="portal-login-language")
user_signed_up.connect(_on_signup, dispatch_uid="portal-signup-language")
