"""``{% kb_scoped_search page breadcrumbs %}``: the search box of category and article pages.

It submits to the one search page (``knowledgebase:search``) and offers two scopes: the
category the visitor is in (``category=<pk>``: that category and its sub-categories, the
search page's own "Topic" filter) or the whole help centre (``category=`` empty). Plain GET
form: it works without JavaScript.
"""

from __future__ import annotations

from django import template

from knowledgebase.models import CategoryPage

register = template.Library()


def search_scope(page, breadcrumbs=()) -> CategoryPage | None:
    """The category a search from ``page`` is scoped to: the page itself when it is a
    category, else its nearest category ancestor (None when it has none)."""
    if isinstance(page, CategoryPage):
        return page
    for crumb in reversed(list(breadcrumbs or ())):
        if isinstance(crumb, CategoryPage) or crumb.specific_class is CategoryPage:
            return crumb
    return None


@register.inclusion_tag("knowledgebase/includes/scoped_search.html")
def kb_scoped_search(page, breadcrumbs=()) -> dict:
    return {"category": search_scope(page, breadcrumbs)}
