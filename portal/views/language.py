"""The language switch (``/i18n/setlang/``): the same page in the chosen language.

Django's ``set_language`` with two differences: the target is the page's translation when it is
a Wagtail page with one (``portal.languages.url_in_language``: its slug may differ), and a
signed-in customer's preference follows the choice (the profile service), so the next sign-in,
the emails and the redirects of unprefixed pages agree with it. A plain form ``POST`` with
``language`` and ``next`` (no JavaScript needed); a ``GET`` changes nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from portal.i18n_middleware import remember_language, set_language_cookie
from portal.languages import supported_language, url_in_language

LANGUAGE_FIELD = "language"


def _safe(request: HttpRequest, url: str | None) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@require_http_methods(["GET", "POST"])
def set_language(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next", request.GET.get("next"))
    if not _safe(request, next_url):
        referer = request.META.get("HTTP_REFERER")
        next_url = referer if _safe(request, referer) else "/"
    if request.method != "POST":
        return HttpResponseRedirect(next_url)
    language = supported_language(request.POST.get(LANGUAGE_FIELD))
    if language is None:  # an unknown language changes nothing
        return HttpResponseRedirect(next_url)
    response = HttpResponseRedirect(url_in_language(request, next_url, language))
    set_language_cookie(response, language)
    if request.user.is_authenticated:
        remember_language(user=request.user, language=language)
    return response
