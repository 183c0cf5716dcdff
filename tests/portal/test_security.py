"""Security headers, the single sign-in door, login throttling and the health check."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from portal.views import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth keeps its rate-limit counters in the cache; start every test from zero.
    cache.clear()
    yield
    cache.clear()


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/healthz"])
def test_public_pages_have_a_strict_csp(client, path):
    csp = directives(client.get(path))
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in csp.values() for value in values)


def test_signed_in_pages_keep_the_strict_csp(client, alice):
    client.force_login(alice)
    csp = directives(client.get("/me/"))
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]


def test_only_the_admin_and_api_docs_get_the_relaxed_csp(client, root):
    client.force_login(root)
    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert "'unsafe-inline'" in directives(admin)["script-src"]
    docs = client.get("/api/v1/docs")
    assert "'unsafe-inline'" in directives(docs)["script-src"]
    # A path that merely starts with "admin" is not the admin.
    lookalike = client.get("/administrator/")
    assert "'unsafe-inline'" not in directives(lookalike)["script-src"]


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/me/"])
def test_pages_cannot_be_framed(client, alice, path):
    client.force_login(alice)
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/pages/"


def test_admin_bounces_anonymous_visitors_to_the_allauth_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_wagtail_frontend_login_form_is_not_a_side_door(client, alice):
    from tests.conftest import PASSWORD

    response = client.post(
        "/_util/login/", {"username": alice.email, "password": PASSWORD}, follow=False
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def _per_ip_login_limit() -> int:
    from django.conf import settings

    for rate in settings.ACCOUNT_RATE_LIMITS["login"].split(","):
        amount, _period, *key = rate.split("/")
        if key == ["ip"]:
            return int(amount)
    raise AssertionError("no per-IP login rate limit configured")


def test_repeated_failed_logins_from_one_address_get_429(client, alice):
    from tests.conftest import PASSWORD

    limit = _per_ip_login_limit()
    assert limit <= 50, "the per-IP login limit should be tight"
    statuses = [
        client.post(
            "/accounts/login/", {"login": f"guess{n}@example.com", "password": "wrong"}
        ).status_code
        for n in range(limit)
    ]
    assert set(statuses) == {200}, "wrong passwords are form errors until the limit"
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session, "throttled: even the right password waits"


def test_failed_logins_for_one_account_lock_it_for_a_while(client, alice):
    from tests.conftest import PASSWORD

    for _attempt in range(5):
        response = client.post(
            "/accounts/login/", {"login": alice.email, "password": "wrong password"}
        )
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session, "the account is locked for a while"
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    # Another account from the same address is not affected.
    cache_free = client.post("/accounts/login/", {"login": "nobody@example.com", "password": "x"})
    assert b"Too many failed login attempts" not in cache_free.content


def test_healthz_reports_every_dependency(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) >= {"database", "cache", "tasks"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.parametrize("failing", ["database", "cache", "tasks"])
def test_healthz_is_503_when_a_dependency_fails(client, monkeypatch, failing):
    def broken() -> dict:
        raise ConnectionError("down")

    monkeypatch.setitem(health.CHECKS, failing, broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"][failing] == {"ok": False, "error": "ConnectionError"}
    others = set(body["checks"]) - {failing}
    assert all(body["checks"][name]["ok"] for name in others)


def test_healthz_is_503_when_the_cache_loses_writes(client, monkeypatch):
    monkeypatch.setattr(health.cache, "get", lambda key, default=None: None)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False
