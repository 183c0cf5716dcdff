"""The customer panel on the desk's ticket page: a small registry of sections.

Each section is a template plus a function that returns its context (or ``None`` to hide
it). The tickets app registers organisation, subscriptions, recent purchases, recent
interactions and other open tickets; later apps add theirs from their ``AppConfig.ready()``
without touching this app::

    from tickets.panels import PanelSection, register

    register(PanelSection(
        key="loyalty",
        title=_("Loyalty"),
        template="loyalty/desk_panel.html",
        context=lambda panel: {"tier": tier_for(panel.customer)},
        order=60,
    ))

Sections receive a ``PanelContext`` (the ticket, its customer and the agent looking) and
must stay cheap: a query or two, bounded by ``limit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from portal.models import Customer, Interaction, Purchase, Subscription
from tickets.models import ACTIVE_STATUSES, Ticket


@dataclass(frozen=True)
class PanelContext:
    ticket: Ticket
    customer: Customer
    user: object
    limit: int = 5


@dataclass(frozen=True)
class PanelSection:
    key: str
    title: str
    template: str
    context: Callable[[PanelContext], dict | None]
    order: int = 100


_sections: dict[str, PanelSection] = {}


def register(section: PanelSection) -> PanelSection:
    """Add (or replace, by ``key``) a section of the customer panel."""
    _sections[section.key] = section
    return section


def unregister(key: str) -> None:
    _sections.pop(key, None)


def registered() -> list[PanelSection]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))


@dataclass(frozen=True)
class RenderedSection:
    section: PanelSection
    context: dict


def panel_for(ticket: Ticket, user) -> list[RenderedSection]:
    """The sections to show for ``ticket``, each with its context."""
    panel = PanelContext(ticket=ticket, customer=ticket.customer, user=user)
    shown = []
    for section in registered():
        context = section.context(panel)
        if context is not None:
            shown.append(RenderedSection(section, {**context, "panel": panel}))
    return shown


# --- the sections tickets brings -------------------------------------------------------------
def _organisation(panel: PanelContext) -> dict:
    customer = panel.customer
    return {
        "organisation": customer.organisation,
        "is_org_admin": customer.is_org_admin,
        "members": customer.organisation.members.count() if customer.organisation else 0,
    }


def _subscriptions(panel: PanelContext) -> dict:
    return {
        "subscriptions": list(
            Subscription.objects.filter(customer=panel.customer)
            .select_related("product")
            .order_by("status", "-since")[: panel.limit]
        )
    }


def _purchases(panel: PanelContext) -> dict:
    return {
        "purchases": list(
            Purchase.objects.filter(customer=panel.customer)
            .select_related("product")
            .order_by("-ordered_at")[: panel.limit]
        )
    }


def _interactions(panel: PanelContext) -> dict:
    """The customer's latest interactions; an action by someone else (an agent replying,
    claiming, resolving) is shown as theirs (``actor``), not as the customer's."""
    rows = list(
        Interaction.objects.visible_to(panel.user)
        .filter(customer=panel.customer)
        .select_related("user")
        .order_by("-occurred_at")[: panel.limit + 3]
    )
    for row in rows:
        by_other = row.user_id is not None and row.user_id != panel.customer.user_id
        row.actor = (row.user.get_full_name() or row.user.email) if by_other else ""
    return {"interactions": rows}


def _other_tickets(panel: PanelContext) -> dict:
    return {
        "other_tickets": list(
            Ticket.objects.filter(customer=panel.customer, status__in=ACTIVE_STATUSES)
            .exclude(pk=panel.ticket.pk)
            .order_by("-created_at")[: panel.limit]
        )
    }


for _section in (
    PanelSection(
        "organisation", _("Organisation"), "desk/panels/organisation.html", _organisation, 10
    ),
    PanelSection(
        "subscriptions", _("Subscriptions"), "desk/panels/subscriptions.html", _subscriptions, 20
    ),
    PanelSection("purchases", _("Recent purchases"), "desk/panels/purchases.html", _purchases, 30),
    PanelSection(
        "interactions", _("Recent interactions"), "desk/panels/interactions.html", _interactions, 40
    ),
    PanelSection(
        "other_tickets",
        _("Other open tickets"),
        "desk/panels/other_tickets.html",
        _other_tickets,
        50,
    ),
):
    register(_section)
