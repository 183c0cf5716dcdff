from __future__ import annotations

from django import template

from catalogue.presenters import status_tone

register = template.Library()


@register.filter
def request_tone(status: str) -> str:
    return status_tone(status)


@register.inclusion_tag("catalogue/includes/home_shortcuts.html", takes_context=True)
def catalogue_shortcuts(context, limit: int = 4):
    """The home page's catalogue shortcuts: the first items the user may request."""
    from catalogue.models import CatalogueItem

    request = context.get("request")
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        items = list(CatalogueItem.objects.requestable_by(user).select_related("category")[:limit])
    return {"items": items}
