"""The desk's own navigation (queue, incidents, at-risk customers, saved views, canned replies):
a small registry of links, rendered on every ``/desk/`` page by ``{% desk_nav %}``.

The tickets app owns the desk but sits below the apps that add desk pages (outages,
insights): it must not name their URLs, not even in a template's ``{% url %}``. Each app adds
its own links from its ``AppConfig.ready()`` instead::

    from tickets.desk_nav import register

    register("incidents", _("Incidents"), "outages_desk:list", order=20)

``permission`` (a function of the user) hides a link from those who may not open it;
``fragment`` points into a page (``desk:index`` + ``#saved-views``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class DeskNavItem:
    key: str
    label: str
    url_name: str
    order: int = 100
    permission: Callable[[object], bool] | None = None
    fragment: str = ""


@dataclass(frozen=True)
class DeskNavLink:
    key: str
    label: str
    url: str
    current: str  # "page" (this very page), "true" (a page inside this section) or ""


_items: dict[str, DeskNavItem] = {}


def register(
    key: str,
    label: str,
    url_name: str,
    *,
    order: int = 100,
    permission: Callable[[object], bool] | None = None,
    fragment: str = "",
) -> DeskNavItem:
    """Add (or replace, by ``key``) a link of the desk navigation."""
    item = DeskNavItem(key, label, url_name, order, permission, fragment)
    _items[key] = item
    return item


def unregister(key: str) -> None:
    _items.pop(key, None)


def registered() -> list[DeskNavItem]:
    return sorted(_items.values(), key=lambda item: (item.order, item.key))


def links_for(user, path: str) -> list[DeskNavLink]:
    """The links ``user`` may follow, the one whose section holds ``path`` marked current
    (the longest matching address wins: /desk/incidents/4/ is in Incidents, not in the queue).
    """
    shown: list[tuple[DeskNavItem, str]] = []
    for item in registered():
        if item.permission is not None and not item.permission(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # an app left out of INSTALLED_APPS/urls: no dead link
            continue
        shown.append((item, url))
    sections = [url for item, url in shown if not item.fragment and path.startswith(url)]
    section = max(sections, key=len, default=None)
    links = []
    for item, url in shown:
        current = ""
        if not item.fragment and url == section:
            current = "page" if path == url else "true"
        href = f"{url}#{item.fragment}" if item.fragment else url
        links.append(DeskNavLink(item.key, str(item.label), href, current))
    return links
