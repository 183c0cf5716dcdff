"""The visitor page cache (portal.pagecache): public pages shared by anonymous visitors only."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from portal.pagecache import page_cache_clear


@pytest.fixture
def page_cache(settings, db):
    settings.PORTAL_VISITOR_CACHE = True
    cache.clear()
    yield
    cache.clear()


def test_anonymous_home_is_served_from_the_cache_the_second_time(page_cache, client):
    first = client.get("/")
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    assert "Set-Cookie" not in str(first.cookies)  # nothing per-visitor in a shared page
    second = client.get("/")
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_signed_in_users_never_get_a_shared_page(page_cache, client, client_for, alice):
    client.get("/")  # an anonymous visitor fills the cache
    response = client_for(alice).get("/")
    assert "X-Page-Cache" not in response
    assert alice.email in response.content.decode() or alice.full_name in (
        response.content.decode()
    )


def test_each_language_has_its_own_entry(page_cache, client):
    english = client.get("/")
    italian = client.get("/it/")  # the URL decides the language (docs/i18n.md)
    assert italian["X-Page-Cache"] == "miss"
    assert english.content != italian.content
    assert client.get("/it/")["X-Page-Cache"] == "hit"


@pytest.mark.parametrize(
    "extra",
    [
        {"QUERY_STRING": "utm=1"},
        {"HTTP_HX_REQUEST": "true"},
        {"HTTP_AUTHORIZATION": "Bearer x"},
    ],
)
def test_requests_that_may_differ_bypass_the_cache(page_cache, client, extra):
    client.get("/")
    assert "X-Page-Cache" not in client.get("/", **extra)


def test_a_messages_cookie_bypasses_the_cache(page_cache, client):
    client.get("/")
    client.cookies["messages"] = "x"
    assert "X-Page-Cache" not in client.get("/")


def test_pages_that_set_a_cookie_are_not_stored(page_cache, client):
    """The sign-in page renders a CSRF token (and sets its cookie): never shared."""
    client.get("/accounts/login/")
    assert "X-Page-Cache" not in client.get("/accounts/login/")


def test_views_that_did_not_opt_in_are_not_cached(page_cache, client):
    assert "X-Page-Cache" not in client.get("/healthz")


def test_clearing_drops_every_page(page_cache, client):
    client.get("/")
    page_cache_clear()
    assert client.get("/")["X-Page-Cache"] == "miss"


def test_publishing_a_kb_page_clears_the_cache(page_cache, client, kb_tree):
    article = kb_tree
    client.get(article.url)
    assert client.get(article.url)["X-Page-Cache"] == "hit"
    article.title = "Renamed while cached"
    article.save_revision().publish()
    response = client.get(article.url)
    assert response["X-Page-Cache"] == "miss"
    assert "Renamed while cached" in response.content.decode()


def test_anonymous_language_switch_needs_no_token_but_signed_in_does(client, alice):
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post("/i18n/setlang/", {"language": "it", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "it"
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(alice)
    assert signed_in.post("/i18n/setlang/", {"language": "it", "next": "/"}).status_code == 403


@pytest.fixture
def kb_tree(db):
    from knowledgebase.models import KnowledgeBaseIndexPage
    from tests.knowledgebase.conftest import make_article

    index = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
    return make_article(index, "Cached article")
