"""Links between the languages of a page (issue 17; portal/languages.py).

``{% hreflang_links %}`` in the ``<head>``: ``<link rel="alternate" hreflang=...>`` for every
language and ``x-default`` (English), absolute; a Wagtail page (the ``page`` in the context)
links to its translations where they exist. ``{{ path|without_language }}``: the path without
its language prefix (``/it/kb/`` -> ``/kb/``), for "you are here" checks in the navigation.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from portal.languages import alternates, path_language

register = template.Library()


def _wagtail_page(candidate):
    """The context's ``page`` when it is a Wagtail page (a list's ``page`` is a paginator's)."""
    from wagtail.models import Page

    return candidate if isinstance(candidate, Page) else None


@register.simple_tag(takes_context=True)
def hreflang_links(context) -> SafeString | str:
    request = context.get("request")
    if request is None:
        return ""
    links = alternates(request, _wagtail_page(context.get("page")))
    if not links:
        return ""
    rows = [*links.items(), ("x-default", links[settings.LANGUAGE_CODE])]
    return format_html_join("\n  ", '<link rel="alternate" hreflang="{}" href="{}">', rows)


@register.filter
def without_language(path: str) -> str:
    language = path_language(path or "")
    if not language:
        return path
    return path[len(language) + 1 :] or "/"
