"""Errors are recorded (issue 21): a server error's traceback reaches the log file with the
request id, the 500 page shows that id as the reference, the API's 500 is JSON with it, and
error tracking (Sentry) is switched on by SENTRY_DSN.

The raising view is mounted by this module's own URL configuration (``ROOT_URLCONF`` =
this module), beside the portal's URLs and with the portal's ``handler500``.
"""

from __future__ import annotations

import logging.config
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import path

from portal import urls as portal_urls

ROOT = Path(__file__).resolve().parents[2]


def boom(request):
    raise RuntimeError("boom: something broke")


# the portal's own patterns after ours (i18n_patterns may not be included, only listed)
urlpatterns = [
    path("boom/", boom),
    path("api/v1/boom/", boom),
    *portal_urls.urlpatterns,
]
handler500 = "portal.views.errors.server_error"


@pytest.fixture
def raising(settings, db):
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


def test_the_500_page_shows_the_request_id_as_the_reference(raising):
    response = raising.get("/boom/", HTTP_X_REQUEST_ID="proxy-id-1234")
    assert response.status_code == 500
    assert response["X-Request-ID"] == "proxy-id-1234"
    content = response.content.decode()
    assert "Reference: proxy-id-1234" in content
    assert "The error has been logged" in content


def test_an_insane_request_id_from_the_proxy_is_replaced(raising):
    response = raising.get("/boom/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert "<script>alert" not in response.content.decode()
    assert f"Reference: {response['X-Request-ID']}" in response.content.decode()


def test_every_response_carries_a_request_id(client, db):
    first = client.get("/")
    second = client.get("/")
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_api_500_is_json_with_the_request_id(raising):
    response = raising.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["request_id"] == response["X-Request-ID"]
    assert body["request_id"] in body["detail"]


def test_the_traceback_goes_to_the_log_file_with_the_request_id(raising, tmp_path, monkeypatch):
    """LOGGING as portal/settings.py builds it with LOG_FILE set: the traceback of a server
    error (logger django.request) is in the file, on a line with the request id."""
    log_file = tmp_path / "portal.log"
    monkeypatch.setenv("LOG_FILE", str(log_file))
    configured = runpy.run_path(str(ROOT / "portal" / "settings.py"))["LOGGING"]
    assert configured["handlers"]["file"]["class"] == "logging.handlers.RotatingFileHandler"
    logging.config.dictConfig(configured)
    try:
        response = raising.get("/boom/", HTTP_X_REQUEST_ID="trace-me-42")
        logging.getLogger("portal.anything").warning("a warning of ours")
    finally:
        logging.config.dictConfig(django_settings.LOGGING)  # back to the test set-up
    assert response.status_code == 500
    text = log_file.read_text()
    assert re.search(r"ERROR django\.request \[trace-me-42\] Internal Server Error: /boom/", text)
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: boom: something broke" in text
    assert "WARNING portal.anything [-] a warning of ours" in text  # outside a request: "-"


def test_without_log_file_only_stderr_is_configured(monkeypatch):
    monkeypatch.delenv("LOG_FILE", raising=False)
    configured = runpy.run_path(str(ROOT / "portal" / "settings.py"))["LOGGING"]
    assert list(configured["handlers"]) == ["console"]
    assert configured["root"]["handlers"] == ["console"]


def test_sentry_is_switched_on_by_sentry_dsn():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SENTRY_DSN": "http://public@127.0.0.1:9/1",  # nothing listens: nothing is sent
    }
    code = (
        "import django; django.setup(); import sentry_sdk; "
        "from sentry_sdk.integrations.django import DjangoIntegration; "
        "client = sentry_sdk.get_client(); "
        "print(client.is_active(), client.get_integration(DjangoIntegration) is not None, "
        "client.options['send_default_pii'])"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True", "False"]
    env.pop("SENTRY_DSN")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split()[0] == "False"
