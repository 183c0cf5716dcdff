"""``manage.py site_configure``: point the default Wagtail site at ``SITE_URL``.

Wagtail's first migration creates the default site as ``localhost:80``; page URLs outside a
request (the sitemap, canonical links, links in emails, the admin's "view live") are built
from it. This sets its hostname and port from ``SITE_URL`` (and its name from ``SITE_NAME``).
Idempotent: run it after every ``migrate`` (README's production steps do).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.models import Site

DEFAULT_PORTS = {"http": 80, "https": 443}


def site_address(url: str) -> tuple[str, int]:
    """``(hostname, port)`` of an absolute http(s) URL; ``ValueError`` if it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"SITE_URL must be an absolute http(s) URL, got {url!r}")
    return parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme]


@transaction.atomic
def site_configure(*, url: str, name: str) -> tuple[Site, bool]:
    """Set the default site's hostname, port and name. Returns (site, changed)."""
    hostname, port = site_address(url)
    site = Site.objects.select_for_update().filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.select_for_update().order_by("pk").first()
    if site is None:
        raise CommandError("There is no Wagtail site yet: run manage.py migrate first.")
    clash = Site.objects.filter(hostname=hostname, port=port).exclude(pk=site.pk).first()
    if clash is not None:
        raise CommandError(f"Another site already uses {hostname}:{port} (site {clash.pk}).")
    wanted = {"hostname": hostname, "port": port, "site_name": name, "is_default_site": True}
    changed = any(getattr(site, field) != value for field, value in wanted.items())
    if changed:
        for field, value in wanted.items():
            setattr(site, field, value)
        site.save()
    return site, changed


class Command(BaseCommand):
    help = "Set the default Wagtail site's hostname and port from SITE_URL (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            site, changed = site_configure(url=settings.SITE_URL, name=settings.WAGTAIL_SITE_NAME)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        state = "updated" if changed else "unchanged"
        self.stdout.write(f"default site {state}: {site.root_url} ({site.site_name})")
        if urlsplit(settings.SITE_URL).scheme == "https" and site.port != 443:
            self.stderr.write(
                "Wagtail builds https URLs only on port 443: links will use http://"
                f"{site.hostname}:{site.port}."
            )
