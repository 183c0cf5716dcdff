"""Graceful degradation (issue 21): with the cache down pages, login, the desk and the API still
answer (served uncached, rate limits per process, the event logged); with the database down
the API answers JSON 503 and pages a friendly 503, both with ``Retry-After``.

The cache is the production backend (``portal.cache_backend.ResilientRedisCache``) pointed at a
port where nothing listens (refused) or at a local server that accepts and hangs up (counts
how often Redis is tried: the circuit breaker). The database "goes down" by making the
connection's cursor raise ``OperationalError``, as psycopg does when the server is gone.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client

from portal import cache_backend
from portal.models import ApiToken
from portal.services.tokens import api_token_create
from tests.conftest import PASSWORD

DEAD_REDIS = "redis://127.0.0.1:1/0"


def resilient(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "portal.cache_backend.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def cache_down(settings, db):
    cache_backend._circuits.clear()  # each test sees the outage begin
    settings.CACHES = resilient(DEAD_REDIS)
    settings.PORTAL_VISITOR_CACHE = True
    yield
    cache_backend._circuits.clear()


def test_public_pages_are_served_uncached_and_the_outage_is_logged(cache_down, client, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        for path in ("/", "/kb/", "/status/", "/community/"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "X-Page-Cache" not in response, "nothing is stored while the cache is down"
    assert cache.degraded
    outage = [r for r in caplog.records if "Cache unavailable" in r.getMessage()]
    assert len(outage) == 1, "logged once per outage, not once per call"
    assert "rate limits are per process" in outage[0].getMessage()


def test_login_page_and_login_work_without_the_cache(cache_down, client, alice):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_rate_limits_fall_back_to_a_local_limit(cache_down, client, alice):
    for _attempt in range(5):
        response = client.post(
            "/accounts/login/", {"login": alice.email, "password": "wrong password"}
        )
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_signed_in_pages_and_the_agent_queue_work_without_the_cache(
    cache_down, client_for, alice, ada
):
    assert client_for(alice).get("/").status_code == 200
    assert client_for(alice).get("/tickets/").status_code == 200
    assert client_for(ada).get("/desk/").status_code == 200


def test_healthz_says_the_cache_is_down_although_pages_still_work(cache_down, client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["checks"]["cache"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def test_the_api_works_without_the_cache(cache_down, client, alice):
    raw = api_token_create(name="laptop", kind=ApiToken.Kind.PERSONAL, user=alice)[1]
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["email"] == alice.email


class HangUpServer:
    """A TCP server that accepts connections and closes them at once, counting them: a Redis
    that is "there" but unusable, where every attempt costs a connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _address = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


def test_the_circuit_breaker_stops_trying_a_dead_redis_for_a_while(settings, db, monkeypatch):
    server = HangUpServer()
    cache_backend._circuits.clear()
    try:
        settings.CACHES = resilient(f"redis://127.0.0.1:{server.port}/0")
        assert cache.get("anything") is None
        assert server.accepted >= 1
        tried = server.accepted
        for number in range(200):  # answered by the process-local fallback
            cache.set(f"key{number}", number, 30)
            assert cache.get(f"key{number}") == number
        assert cache.add("counter", 1, 30) and cache.incr("counter") == 2
        assert server.accepted == tried, "no connection attempt while the circuit is open"
        # Once RETRY_SECONDS have passed, one call tries Redis again (and fails again).
        circuit = cache_backend._circuit_for(f"redis://127.0.0.1:{server.port}/0")
        circuit.open_until = 0
        assert cache.get("anything") is None
        assert server.accepted > tried
        assert cache.degraded
    finally:
        server.close()
        cache_backend._circuits.clear()


def test_fallback_entries_live_at_most_a_minute(settings, db):
    cache_backend._circuits.clear()
    settings.CACHES = resilient(DEAD_REDIS)
    cache.set("forever", 1, None)
    fallback = cache._fallback
    key = fallback.make_and_validate_key("forever")
    assert fallback._expire_info[key] <= time.time() + cache_backend.FALLBACK_MAX_SECONDS
    cache_backend._circuits.clear()


# --- the database down --------------------------------------------------------------------------
@contextmanager
def database_down():
    """Inside: every query fails as it does when the server is gone (undone on the way out,
    before the test database's own teardown needs the connection)."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        yield


def test_the_api_answers_json_503_while_the_database_is_down(db, alice):
    raw = api_token_create(name="laptop", kind=ApiToken.Kind.PERSONAL, user=alice)[1]
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    body = response.json()
    assert "temporarily unavailable" in body["detail"]
    assert body["request_id"] == response["X-Request-ID"]


@pytest.mark.parametrize("path", ["/", "/kb/", "/status/", "/community/"])
def test_pages_answer_a_friendly_503_while_the_database_is_down(db, path):
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    content = response.content.decode()
    assert "Error 503" in content and "temporarily unavailable" in content
    assert f"Reference: {response['X-Request-ID']}" in content


def test_a_signed_in_visitor_gets_the_503_page_too(client_for, alice):
    client = client_for(alice)
    client.raise_request_exception = False
    with database_down():
        response = client.get("/me/")
    assert response.status_code == 503
    assert "Error 503" in response.content.decode()


def test_signing_in_answers_503_while_the_database_is_down(alice):
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
