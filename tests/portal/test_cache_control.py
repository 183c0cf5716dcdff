"""Signed-in pages send ``Cache-Control: private`` (issue 19): a shared cache (a proxy, a
CDN) must not keep one user's page and hand it to another. Anonymous visitors' public pages
are not marked, so they stay cacheable (and the visitor page cache keeps working)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils.cache import get_max_age

from portal.models import ApiToken
from portal.services.tokens import api_token_create


def _directives(response) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",")}


@pytest.mark.parametrize("url", ["/", "/me/", "/tickets/", "/community/", "/search/?q=card"])
def test_signed_in_pages_are_private(client, alice, url):
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200
    assert "private" in _directives(response)
    assert "public" not in _directives(response)


def test_agent_desk_pages_are_private(client, ada):
    client.force_login(ada)
    response = client.get("/desk/")
    assert response.status_code == 200
    assert "private" in _directives(response)


def test_a_never_cache_page_keeps_its_directives(client, alice):
    client.force_login(alice)
    response = client.get("/me/notifications/")
    directives = _directives(response)
    assert "private" in directives
    if "no-store" in directives or "max-age" in directives:  # never_cache views
        assert get_max_age(response) in (None, 0)


def test_api_answers_to_a_session_or_a_token_are_private(client, alice):
    client.force_login(alice)
    assert "private" in _directives(client.get("/api/v1/me"))
    client.logout()
    raw = api_token_create(name="laptop", kind=ApiToken.Kind.PERSONAL, user=alice)[1]
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert "private" in _directives(response)


@pytest.mark.parametrize("url", ["/", "/search/?q=card", "/community/", "/api/v1/kb/articles"])
def test_anonymous_pages_are_not_marked_private(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "private" not in _directives(response)


def test_the_visitor_page_cache_still_serves_anonymous_pages(client, client_for, alice, settings):
    settings.PORTAL_VISITOR_CACHE = True
    cache.clear()
    try:
        assert client.get("/")["X-Page-Cache"] == "miss"
        hit = client.get("/")
        assert hit["X-Page-Cache"] == "hit"
        assert "private" not in _directives(hit)
        signed_in = client_for(alice).get("/")
        assert "X-Page-Cache" not in signed_in
        assert "private" in _directives(signed_in)
    finally:
        cache.clear()
