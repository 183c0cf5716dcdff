"""``{% community_highlights %}``: the home page's forum box (recent solved questions, and
unanswered ones for agents and moderators)."""

from __future__ import annotations

from django import template

from community import selectors
from community.services.common import is_moderator

register = template.Library()


@register.inclusion_tag("community/includes/home_highlights.html", takes_context=True)
def community_highlights(context, limit: int = 5) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return {"solved": [], "unanswered": []}
    staff = is_moderator(user)
    return {
        "solved": selectors.solved_threads(user, limit=limit),
        "unanswered": selectors.unanswered_threads(user, limit=limit) if staff else [],
        "staff": staff,
    }
