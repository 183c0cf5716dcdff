"""``{% ticket_page_sections %}``: the sections other apps add to the customer's ticket page
(``tickets.page_sections``), rendered with the page's ``ticket`` and ``request.user``."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from tickets.page_sections import sections_for

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_page_sections(context) -> SafeString:
    ticket, request = context.get("ticket"), context.get("request")
    if ticket is None or request is None:
        return mark_safe("")
    parts = [
        render_to_string(item.section.template, {"ctx": item.context}, request=request)
        for item in sections_for(ticket, request.user)
    ]
    return mark_safe("".join(parts))  # noqa: S308 - rendered templates (auto-escaped)
