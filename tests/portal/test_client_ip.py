"""The client's address behind proxies (portal.clientip): what allauth's login rate limits and
ours count by. By default only REMOTE_ADDR counts; TRUSTED_CLIENT_IP_HEADER or
TRUSTED_PROXY_COUNT make the proxies' view of the client count instead."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from portal.accounts import AccountAdapter
from portal.clientip import client_ip

PROXY = "10.0.0.1"


def _request(remote=PROXY, **headers):
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


def test_by_default_forwarded_headers_are_not_believed(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_CLIENT_IP_HEADER = ""
    request = _request(**{"X-Forwarded-For": "203.0.113.5", "X-Real-IP": "203.0.113.6"})
    assert client_ip(request) == PROXY


def test_one_trusted_proxy_takes_the_last_forwarded_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(**{"X-Forwarded-For": "203.0.113.5"})) == "203.0.113.5"
    # a client that sends its own X-Forwarded-For cannot choose its address
    spoofed = _request(**{"X-Forwarded-For": "1.2.3.4, 203.0.113.5"})
    assert client_ip(spoofed) == "203.0.113.5"


def test_two_trusted_proxies_take_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = _request(**{"X-Forwarded-For": "1.2.3.4, 203.0.113.5, 10.0.0.9"})
    assert client_ip(request) == "203.0.113.5"


@pytest.mark.parametrize("xff", ["", "not-an-address", "203.0.113.5"])
def test_missing_short_or_bad_headers_fall_back_to_the_peer(settings, xff):
    settings.TRUSTED_PROXY_COUNT = 2 if xff == "203.0.113.5" else 1
    assert client_ip(_request(**({"X-Forwarded-For": xff} if xff else {}))) == PROXY


def test_a_trusted_client_ip_header(settings):
    settings.TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(**{"X-Real-IP": "2001:db8::7"})) == "2001:db8::7"
    assert client_ip(_request(**{"X-Real-IP": "203.0.113.5:4431"})) == "203.0.113.5"
    assert client_ip(_request(**{"X-Real-IP": "garbage"})) == PROXY
    assert client_ip(_request()) == PROXY


def test_allauth_uses_the_same_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = _request(**{"X-Forwarded-For": "203.0.113.5"})
    assert AccountAdapter(request).get_client_ip(request) == "203.0.113.5"


LIMITED = "Too many failed login attempts"


def _failed_logins(client, xff: str, count: int) -> list[bool]:
    """Whether each of ``count`` failed logins from ``xff`` was refused by the rate limit."""
    limited = []
    for n in range(count):
        response = client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.com", "password": "wrong-password"},
            REMOTE_ADDR=PROXY,
            headers={"X-Forwarded-For": xff},
        )
        limited.append(response.status_code == 429 or LIMITED in response.content.decode())
    return limited


def test_behind_a_proxy_login_limits_count_per_client(db, client, settings):
    """Failed logins are limited per client address (10 a minute), not per proxy."""
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    assert not any(_failed_logins(client, "203.0.113.5", 10))
    assert _failed_logins(client, "203.0.113.5", 1) == [True]
    assert not any(_failed_logins(client, "198.51.100.9", 3))  # another customer
    cache.clear()


def test_without_trusted_proxies_a_spoofed_header_does_not_escape_the_limit(db, client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    cache.clear()
    assert not any(_failed_logins(client, "203.0.113.5", 10))
    assert _failed_logins(client, "198.51.100.9", 1) == [True]
    cache.clear()
