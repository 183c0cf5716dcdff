"""``{% desk_nav %}``: the desk's navigation, from the registry in ``tickets.desk_nav``."""

from __future__ import annotations

from django import template

from tickets.desk_nav import links_for

register = template.Library()


@register.inclusion_tag("desk/includes/desk_nav.html", takes_context=True)
def desk_nav(context) -> dict:
    request = context.get("request")
    if request is None:
        return {"links": []}
    return {"links": links_for(request.user, request.path)}
