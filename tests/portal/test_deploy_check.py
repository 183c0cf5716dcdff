"""``check --deploy`` refuses a per-process cache when DEBUG is off (portal.E001, issue 19)."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test.utils import override_settings

from portal.checks import cache_shared_between_processes

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
DUMMY = "django.core.cache.backends.dummy.DummyCache"
DATABASE = "portal.cache_backend.SharedDatabaseCache"
REDIS = "portal.cache_backend.ResilientRedisCache"


def caches(backend: str) -> dict:
    location = {
        DATABASE: "portal_cache",
        REDIS: "redis://127.0.0.1:6379/0",
    }.get(backend, "")
    return {"default": {"BACKEND": backend, "LOCATION": location}}


@pytest.mark.parametrize("backend", [LOCMEM, DUMMY])
def test_a_per_process_cache_without_debug_is_an_error(backend):
    with override_settings(DEBUG=False, CACHES=caches(backend)):
        errors = cache_shared_between_processes()
    assert [error.id for error in errors] == ["portal.E001"]
    assert errors[0].level == checks.ERROR
    assert "REDIS_URL" in errors[0].hint


@pytest.mark.parametrize("backend", [DATABASE, REDIS])
def test_a_shared_cache_passes(backend):
    with override_settings(DEBUG=False, CACHES=caches(backend)):
        assert cache_shared_between_processes() == []


def test_with_debug_a_per_process_cache_is_fine():
    with override_settings(DEBUG=True, CACHES=caches(LOCMEM)):
        assert cache_shared_between_processes() == []


def test_the_check_runs_with_deploy_only():
    with override_settings(DEBUG=False, CACHES=caches(LOCMEM)):
        deploy = checks.run_checks(tags=[checks.Tags.caches], include_deployment_checks=True)
        plain = checks.run_checks(tags=[checks.Tags.caches])
    assert "portal.E001" in [message.id for message in deploy]
    assert "portal.E001" not in [message.id for message in plain]
