"""Languages in URLs (issue 17, docs/i18n.md): English unprefixed, Italian under /it/.

- every page of the access matrix answers under /it/ as it does unprefixed, for every
  persona, in Italian: ``test_access_matrix_i18n.py`` (it shares the matrix's module-wide
  personas, which the persona fixtures here would clash with);
- hreflang alternates on every page (absolute, x-default English), a Wagtail page's pointing at
  its translation;
- who is redirected to /it/: an Italian language cookie, a signed-in customer's preference,
  ``Accept-Language`` on a first visit of ``/`` only; never a POST, htmx, JSON or the API;
- the language switch lands on the same page in the other language and remembers the choice;
- the visitor page cache never answers in the wrong language;
- signing in (and signing up) follows the customer's language.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from portal.languages import url_in_language
from portal.models import Interaction, InteractionKind
from portal.services.customers import profile_update
from tests.conftest import PASSWORD

ITALIAN_UI = "Vai al contenuto principale"  # "Skip to main content", on every page
ENGLISH_UI = "Skip to main content"
COOKIE = settings.LANGUAGE_COOKIE_NAME
pytestmark = pytest.mark.django_db


def set_preference(user, language: str) -> None:
    customer = user.customer
    profile_update(
        user=user,
        full_name=user.full_name,
        language=language,
        notification_preferences={},
        consent_surveys=customer.consent_surveys,
        consent_marketing=customer.consent_marketing,
    )


def hreflangs(html: str) -> dict[str, str]:
    found = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
    return {code: unescape(href) for code, href in found}


@pytest.fixture
def article(db):
    from knowledgebase.models import KnowledgeBaseIndexPage
    from tests.knowledgebase.conftest import make_article, make_category

    index = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
    return make_article(make_category(index, "Cards"), "Block your card")


@pytest.fixture
def translated(article):
    """The article translated into Italian, with its own slug."""
    from knowledgebase.translation import translate_page

    return translate_page(article, "it", title="Bloccare la carta", slug="bloccare-la-carta")


# --- hreflang ---------------------------------------------------------------------------------
def test_every_page_links_its_languages(client, client_for, alice):
    html = client.get("/community/").content.decode()
    assert hreflangs(html) == {
        "en": "http://testserver/community/",
        "it": "http://testserver/it/community/",
        "x-default": "http://testserver/community/",
    }
    html = client_for(alice).get("/it/me/").content.decode()
    assert '<html lang="it">' in html
    assert hreflangs(html) == {
        "en": "http://testserver/me/",
        "it": "http://testserver/it/me/",
        "x-default": "http://testserver/me/",
    }


def test_a_translated_wagtail_page_links_its_translation(client, article, translated):
    english = client.get(article.url)
    assert english.status_code == 200
    links = hreflangs(english.content.decode())
    assert links["it"] == "http://testserver/it/kb/cards/bloccare-la-carta/"
    assert links["en"] == links["x-default"] == f"http://testserver{article.url}"
    italian = client.get("/it/kb/cards/bloccare-la-carta/")
    assert italian.status_code == 200
    html = italian.content.decode()
    assert '<html lang="it">' in html and "Bloccare la carta" in html
    assert hreflangs(html) == links


def test_pages_outside_the_languages_have_no_alternates(rf):
    from portal.languages import alternates

    assert alternates(rf.get("/admin/pages/")) == {}
    assert alternates(rf.get("/api/v1/docs")) == {}
    assert set(alternates(rf.get("/it/status/"))) == {"en", "it"}


# --- who is redirected --------------------------------------------------------------------------
def test_an_italian_cookie_redirects_unprefixed_pages(client, article):
    client.cookies[COOKIE] = "it"
    for path, target in (
        ("/", "/it/"),
        ("/community/?page=2", "/it/community/?page=2"),
        ("/search/?q=card", "/it/search/?q=card"),
        (article.url, f"/it{article.url}"),
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == target
        assert "Cookie" in response["Vary"] and "Accept-Language" in response["Vary"]
    response = client.get("/it/community/")
    assert response.status_code == 200 and ITALIAN_UI in response.content.decode()


def test_the_redirect_goes_to_the_translation(client, article, translated):
    client.cookies[COOKIE] = "it"
    response = client.get(article.url)
    assert response["Location"] == "/it/kb/cards/bloccare-la-carta/"


def test_an_english_cookie_never_redirects_an_italian_url(client):
    client.cookies[COOKIE] = "en"
    response = client.get("/it/community/")
    assert response.status_code == 200
    assert '<html lang="it">' in response.content.decode()


@pytest.mark.parametrize(
    ("method", "path", "extra", "status"),
    [
        ("post", "/", {}, 405),  # the home page is GET only: answered, not redirected
        ("post", "/kb/beacon/", {}, 400),
        ("get", "/search/suggest/?q=card", {"HTTP_HX_REQUEST": "true"}, 200),
        ("get", "/search/suggest/?q=card", {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}, 200),
        ("get", "/community/", {"HTTP_ACCEPT": "application/json"}, 200),
        ("get", "/api/v1/openapi.json", {}, 200),
        ("get", "/api/v1/no-such-thing", {}, 404),
        ("get", "/healthz", {}, 200),
        ("get", "/sitemap.xml", {}, 200),
    ],
)
def test_never_redirected(client, method, path, extra, status):
    client.cookies[COOKIE] = "it"
    response = getattr(client, method)(path, **extra)
    assert response.status_code == status, (method, path, response.get("Location"))


def test_the_api_keeps_answering_in_the_cookies_language(client):
    client.cookies[COOKIE] = "it"
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert "There is nothing" not in response.json()["detail"]


def test_accept_language_redirects_only_a_first_visit_of_the_home_page(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9,en;q=0.5")
    assert response.status_code == 302 and response["Location"] == "/it/"
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]
    assert COOKIE not in response.cookies  # only the switch sets the cookie
    for path in ("/community/", "/kb/", "/status/"):  # links and crawlers stay put
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="it")
        assert response.status_code == 200, path
        assert '<html lang="en">' in response.content.decode(), path
    client.cookies[COOKIE] = "en"  # a visitor who chose English stays in English
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="it").status_code == 200
    assert Client().get("/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200


def test_a_signed_in_customers_preference_redirects(client_for, alice):
    set_preference(alice, "it")
    client = client_for(alice)
    response = client.get("/tickets/")
    assert response.status_code == 302 and response["Location"] == "/it/tickets/"
    assert response.cookies[COOKIE].value == "it"  # the cookie follows the preference
    assert client.get("/it/tickets/").status_code == 200


def test_a_signed_in_customers_preference_wins_over_a_stale_cookie(client_for, alice):
    client = client_for(alice)
    client.cookies[COOKIE] = "it"  # left by another session; alice prefers English
    response = client.get("/tickets/")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert response.cookies[COOKIE].value == "en"


def test_staff_without_a_preference_follow_the_cookie(client_for, ada):
    client = client_for(ada)
    client.cookies[COOKIE] = "it"
    response = client.get("/desk/")
    assert response.status_code == 302 and response["Location"] == "/it/desk/"
    html = client.get("/it/desk/").content.decode()
    assert '<html lang="it">' in html
    assert re.search(r'data-nav="desk" aria-current="page"', html)  # "you are here" in Italian


# --- the language switch ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "next_url", "target"),
    [
        ("it", "/community/", "/it/community/"),
        ("en", "/it/community/", "/community/"),
        ("it", "/search/?q=card#results", "/it/search/?q=card#results"),
        ("it", "/it/status/", "/it/status/"),
        ("it", "/api/v1/docs", "/api/v1/docs"),  # outside the languages: unchanged
        ("it", "https://evil.example/", "/it/"),  # an unsafe next: the home page
        ("it", "", "/it/"),
    ],
)
def test_the_switch_lands_on_the_same_page(client, language, next_url, target):
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == target
    assert response.cookies[COOKIE].value == language


def test_the_switch_goes_to_a_wagtail_pages_translation_and_back(client, article, translated):
    response = client.post("/i18n/setlang/", {"language": "it", "next": article.url})
    assert response["Location"] == "/it/kb/cards/bloccare-la-carta/"
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/it/kb/cards/bloccare-la-carta/"}
    )
    assert response["Location"] == article.url


def test_an_untranslated_wagtail_page_switches_by_prefix(client, article):
    response = client.post("/i18n/setlang/", {"language": "it", "next": article.url})
    assert response["Location"] == f"/it{article.url}"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("language", ["xx", "", "it" * 200])
def test_an_unknown_language_changes_nothing(client, language):
    response = client.post("/i18n/setlang/", {"language": language, "next": "/community/"})
    assert response.status_code == 302 and response["Location"] == "/community/"
    assert COOKIE not in response.cookies


def test_a_get_of_the_switch_changes_nothing(client):
    response = client.get("/i18n/setlang/?language=it&next=/status/")
    assert response.status_code == 302 and response["Location"] == "/status/"
    assert COOKIE not in response.cookies


def test_the_switch_saves_a_signed_in_customers_preference(client_for, alice):
    client = client_for(alice)
    response = client.post("/i18n/setlang/", {"language": "it", "next": "/me/"})
    assert response["Location"] == "/it/me/"
    alice.customer.refresh_from_db()
    assert alice.customer.language == "it"
    assert Interaction.objects.filter(
        customer=alice.customer, kind=InteractionKind.PROFILE_UPDATE
    ).exists()  # through the profile service
    assert client.get("/tickets/")["Location"] == "/it/tickets/"


def test_the_switch_works_without_javascript(client):
    """A form POST to set_language carrying the page as next, one button per language."""
    html = client.get("/it/community/").content.decode()
    form = html[html.index('class="lang-form lang-footer"') :]
    form = form[: form.index("</form>")]
    assert 'action="/i18n/setlang/"' in html and 'method="post"' in html
    assert 'name="next" value="/it/community/"' in form
    assert 'name="language" value="en"' in form and 'name="language" value="it"' in form
    assert re.search(r'value="it"[^>]*aria-current="true"', form)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/it/community/"})
    assert response["Location"] == "/community/"


def test_the_navigation_stays_in_italian(client):
    html = client.get("/it/").content.decode()
    nav = html[html.index('<nav class="primary-nav"') :]
    nav = nav[: nav.index("</nav>")]
    assert (
        'href="/it/kb/"' in nav and 'href="/it/community/"' in nav and 'href="/it/status/"' in nav
    )
    assert 'href="/kb/"' not in nav


# --- the visitor page cache ---------------------------------------------------------------------
@pytest.fixture
def page_cache(settings, db):
    settings.PORTAL_VISITOR_CACHE = True
    cache.clear()
    yield
    cache.clear()


def test_the_middleware_order_puts_the_cache_before_the_language(settings):
    order = settings.MIDDLEWARE
    cache_at = order.index("portal.pagecache.VisitorPageCacheMiddleware")
    assert cache_at < order.index("portal.i18n_middleware.LocaleMiddleware")
    assert order.index("django.contrib.auth.middleware.AuthenticationMiddleware") < order.index(
        "portal.i18n_middleware.LanguageRedirectMiddleware"
    )


def test_the_page_cache_never_serves_english_to_someone_who_chose_italian(page_cache):
    english = Client()
    assert english.get("/")["X-Page-Cache"] == "miss"
    assert english.get("/")["X-Page-Cache"] == "hit"
    assert english.get("/community/")["X-Page-Cache"] == "miss"

    chose_italian = Client()
    chose_italian.cookies[COOKIE] = "it"
    for path in ("/", "/community/"):
        response = chose_italian.get(path)
        assert response.status_code == 302, path  # not the cached English page
        assert "X-Page-Cache" not in response
        assert response["Location"] == f"/it{path}"

    first_visit = Client()
    response = first_visit.get("/", HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 302 and "X-Page-Cache" not in response

    italian = chose_italian.get("/it/")
    assert italian["X-Page-Cache"] == "miss"
    assert '<html lang="it">' in italian.content.decode()
    again = Client().get("/it/")  # another visitor, no cookie: the Italian page, from the cache
    assert again["X-Page-Cache"] == "hit" and again.content == italian.content
    assert '<html lang="en">' in english.get("/").content.decode()


def test_the_language_does_not_leak_out_of_a_request(client):
    from django.urls import reverse

    client.get("/it/community/")
    assert reverse("portal:me") == "/me/"  # a task or a test after it reverses in English


# --- signing in and up ------------------------------------------------------------------------
def _sign_in(client: Client, user, path: str = "/accounts/login/", **data):
    return client.post(path, {"login": user.email, "password": PASSWORD, **data})


def test_signing_in_lands_in_the_customers_language(alice):
    set_preference(alice, "it")
    client = Client()
    response = _sign_in(client, alice)
    assert response.status_code == 302
    assert response["Location"] == "/it/"
    assert response.cookies[COOKIE].value == "it"
    response = _sign_in(Client(), alice, next="/community/")
    assert response["Location"] == "/it/community/"


def test_the_signed_in_message_is_in_the_customers_language(alice):
    set_preference(alice, "it")
    client = Client()
    landing = client.get(_sign_in(client, alice)["Location"])
    text = landing.content.decode()
    assert "Alice" in text and "Successfully signed in" not in text
    with translation.override("it"):
        expected = str(_("Successfully signed in as %(name)s.")).split("%(name)s")[0].strip()
    assert expected and expected in text


def test_signing_in_from_an_italian_page_as_an_english_customer(bob):
    client = Client()
    client.cookies[COOKIE] = "it"
    response = _sign_in(client, bob, path="/it/accounts/login/")
    assert response.status_code == 302
    assert response["Location"] == "/"  # bob prefers English: his preference wins
    assert response.cookies[COOKIE].value == "en"


def test_staff_sign_in_keeps_the_language_they_browse_in(ada):
    response = _sign_in(Client(), ada, path="/it/accounts/login/")
    assert response.status_code == 302
    assert response["Location"] == "/it/"
    assert COOKIE not in response.cookies


def test_signing_up_in_italian_makes_italian_the_preference(client, settings):
    from portal.models import User

    settings.ACCOUNT_RATE_LIMITS = False
    response = client.post(
        "/it/accounts/signup/",
        {
            "full_name": "Zoe Zanetti",
            "email": "zoe@example.com",
            "password1": "a-long-password-2026",
            "password2": "a-long-password-2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(email="zoe@example.com").customer.language == "it"


# --- the profile page -------------------------------------------------------------------------
def test_saving_the_profile_in_another_language_goes_to_that_language(client_for, alice):
    set_preference(alice, "it")
    client = client_for(alice)
    data = {"full_name": "Alice", "language": "en"}
    response = client.post("/it/me/", data)
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert response.cookies[COOKIE].value == "en"
    html = client.get("/me/").content.decode()
    assert "Your profile has been saved." in html
    response = client.post("/me/", {**data, "language": "it"})
    assert response["Location"] == "/it/me/"
    assert "Il tuo profilo è stato salvato." in client.get("/it/me/").content.decode()


def test_url_in_language_helper(rf):
    request = rf.get("/")
    assert url_in_language(request, "/tickets/5/?x=1", "it") == "/it/tickets/5/?x=1"
    assert url_in_language(request, "/it/tickets/5/", "en") == "/tickets/5/"
    assert url_in_language(request, "/it/tickets/5/", "it") == "/it/tickets/5/"
    assert url_in_language(request, "/admin/", "it") == "/admin/"


def test_a_redirect_from_an_italian_page_stays_in_italian(client_for, alice):
    from portal.models import Notification

    notification = Notification.objects.create(
        user=alice, kind="t", event_key="i18n", title="Hi", url="/tickets/"
    )
    client = client_for(alice)
    response = client.get(f"/it/me/notifications/{notification.pk}/")
    assert response.status_code == 302 and response["Location"] == "/it/tickets/"
    response = client.get(f"/me/notifications/{notification.pk}/")
    assert response["Location"] == "/tickets/"
