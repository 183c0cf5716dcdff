"""Sections other apps add to the customer's ticket page (``tickets/detail.html``, in the
aside under the ticket's details): the customer-side twin of ``tickets.panels``. Each section
is a template plus a function of (ticket, user) that returns its context, or ``None`` to hide
it; apps register theirs from ``AppConfig.ready()`` without touching this app::

    from tickets.page_sections import PageSection, register

    register(PageSection(
        key="incidents",
        template="outages/ticket_section.html",
        context=lambda ticket, user: {"incidents": [...]} or None,
        order=10,
    ))

The page renders them with ``{% ticket_page_sections %}`` (``tickets.templatetags.
ticket_page``). Sections must stay cheap (a query or two) and show the customer only what
they may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tickets.models import Ticket


@dataclass(frozen=True)
class PageSection:
    key: str
    template: str
    context: Callable[[Ticket, object], dict | None]
    order: int = 100


@dataclass(frozen=True)
class RenderedPageSection:
    section: PageSection
    context: dict


_sections: dict[str, PageSection] = {}


def register(section: PageSection) -> PageSection:
    """Add (or replace, by ``key``) a section of the customer's ticket page."""
    _sections[section.key] = section
    return section


def unregister(key: str) -> None:
    _sections.pop(key, None)


def sections_for(ticket: Ticket, user) -> list[RenderedPageSection]:
    """The sections to show on ``ticket``'s page for ``user``, each with its context."""
    shown = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        context = section.context(ticket, user)
        if context is not None:
            shown.append(RenderedPageSection(section, context))
    return shown
