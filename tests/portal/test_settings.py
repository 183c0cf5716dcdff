"""Configuration from the environment: the typed helpers and the settings they guard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "yes", "on", " On "])
def test_env_bool_true(monkeypatch, raw):
    monkeypatch.setenv("PORTAL_TEST_FLAG", raw)
    assert env_bool("PORTAL_TEST_FLAG", default=False) is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", "off", ""])
def test_env_bool_false(monkeypatch, raw):
    monkeypatch.setenv("PORTAL_TEST_FLAG", raw)
    assert env_bool("PORTAL_TEST_FLAG", default=True) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_uses_the_default(monkeypatch, default):
    monkeypatch.delenv("PORTAL_TEST_FLAG", raising=False)
    assert env_bool("PORTAL_TEST_FLAG", default=default) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please", "enabled"])
def test_env_bool_rejects_other_values(monkeypatch, raw):
    monkeypatch.setenv("PORTAL_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TEST_FLAG must be a boolean"):
        env_bool("PORTAL_TEST_FLAG")


def test_env_int(monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_NUMBER", "42")
    assert env_int("PORTAL_TEST_NUMBER", 7) == 42
    monkeypatch.setenv("PORTAL_TEST_NUMBER", "-3")
    assert env_int("PORTAL_TEST_NUMBER", 7) == -3
    monkeypatch.setenv("PORTAL_TEST_NUMBER", "  ")
    assert env_int("PORTAL_TEST_NUMBER", 7) == 7
    monkeypatch.delenv("PORTAL_TEST_NUMBER")
    assert env_int("PORTAL_TEST_NUMBER", 7) == 7


@pytest.mark.parametrize("raw", ["ten", "4.5", "1e3", "0x10"])
def test_env_int_rejects_non_integers(monkeypatch, raw):
    monkeypatch.setenv("PORTAL_TEST_NUMBER", raw)
    with pytest.raises(ImproperlyConfigured, match=r"PORTAL_TEST_NUMBER must be an integer"):
        env_int("PORTAL_TEST_NUMBER", 1)


def test_env_list(monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_HOSTS", " a.example.com, b.example.com ,,")
    assert env_list("PORTAL_TEST_HOSTS") == ["a.example.com", "b.example.com"]
    monkeypatch.setenv("PORTAL_TEST_HOSTS", "")
    assert env_list("PORTAL_TEST_HOSTS", ["default"]) == []
    monkeypatch.delenv("PORTAL_TEST_HOSTS")
    default = ["x"]
    result = env_list("PORTAL_TEST_HOSTS", default)
    assert result == ["x"]
    result.append("y")
    assert default == ["x"], "the default list is not shared"
    assert env_list("PORTAL_TEST_HOSTS") == []


def test_env_str(monkeypatch):
    monkeypatch.delenv("PORTAL_TEST_NAME", raising=False)
    assert env_str("PORTAL_TEST_NAME") == ""
    assert env_str("PORTAL_TEST_NAME", "fallback") == "fallback"
    monkeypatch.setenv("PORTAL_TEST_NAME", "value")
    assert env_str("PORTAL_TEST_NAME", "fallback") == "value"


# --- the settings module in a clean process (not under pytest) -------------------------------
def import_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEBUG", "SECRET_KEY", "DATABASE_URL", "PYTEST"))
    }
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import portal.settings as s; print('DEBUG', s.DEBUG); print('HSTS', "
            "getattr(s, 'SECURE_HSTS_SECONDS', None)); print('ENGINE', "
            "s.DATABASES['default']['ENGINE'])",
        ],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = import_settings(DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_production_settings_load_with_a_secret_key():
    result = import_settings(
        DEBUG="0",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="portal.example.com",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal_settings_test",
    )
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout
    assert "HSTS 31536000" in result.stdout
    assert "ENGINE django.db.backends.postgresql" in result.stdout


def test_debug_defaults_on_without_a_secret_key():
    result = import_settings()
    assert result.returncode == 0, result.stderr
    assert "DEBUG True" in result.stdout
    assert "ENGINE django.db.backends.sqlite3" in result.stdout


def test_a_bad_boolean_stops_the_settings_with_a_clear_message():
    result = import_settings(DEBUG="sometimes", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DEBUG must be a boolean (1/0, true/false), got 'sometimes'" in result.stderr


def test_a_bad_integer_stops_the_settings_with_a_clear_message():
    result = import_settings(DB_CONN_MAX_AGE="forever")
    assert result.returncode != 0
    assert "DB_CONN_MAX_AGE must be an integer, got 'forever'" in result.stderr
