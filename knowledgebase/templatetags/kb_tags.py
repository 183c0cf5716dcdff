"""``{% kb_popular_articles %}``: the home page's "Popular help articles" card (portal's home
page reaches the knowledge base through this tag, never by import)."""

from __future__ import annotations

from django import template

from knowledgebase.selectors import popular_articles

register = template.Library()


@register.inclusion_tag("knowledgebase/includes/home_popular.html", takes_context=True)
def kb_popular_articles(context, limit: int = 6, wrap: bool = False) -> dict:
    """The most-read articles the visitor may read (nothing when there are none); ``wrap``
    puts the card in a grid of its own (the signed-out home page has no grid around it)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    articles = popular_articles(user=user, limit=limit) if user is not None else []
    return {"articles": articles, "wrap": wrap}
