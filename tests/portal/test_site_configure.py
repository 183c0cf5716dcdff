"""``manage.py site_configure``: the default Wagtail site follows SITE_URL, so the sitemap,
canonical links and links built outside a request point at the real host, not localhost."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import Site


def _run() -> str:
    call_command("site_configure", stdout=(out := StringIO()), stderr=StringIO())
    return out.getvalue()


def test_the_default_site_starts_as_localhost(db):
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("localhost", 80)


def test_it_takes_host_and_port_from_site_url_once(db, settings):
    settings.SITE_URL = "https://support.example.com"
    settings.WAGTAIL_SITE_NAME = "Example support"
    assert "default site updated: https://support.example.com" in _run()
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.site_name) == (
        "support.example.com",
        443,
        "Example support",
    )
    assert "default site unchanged" in _run()
    assert Site.objects.count() == 1


def test_a_port_in_the_url_is_kept(db, settings):
    settings.SITE_URL = "http://portal.internal:8080"
    _run()
    assert Site.objects.get(is_default_site=True).root_url == "http://portal.internal:8080"


def test_the_sitemap_points_at_the_site_url(db, client, settings):
    settings.SITE_URL = "https://support.example.com"
    _run()
    body = client.get("/sitemap.xml").content.decode()
    assert "<loc>https://support.example.com/" in body
    assert "localhost" not in body


@pytest.mark.parametrize("url", ["support.example.com", "ftp://support.example.com", "https://"])
def test_a_site_url_that_is_not_a_url_is_a_clear_error(db, settings, url):
    settings.SITE_URL = url
    with pytest.raises(CommandError, match="absolute http"):
        _run()
    assert Site.objects.get(is_default_site=True).hostname == "localhost"
