"""The support home on the Wagtail dashboard: the shared panel every app's
``construct_homepage_panels`` hook adds (tickets: open tickets and SLA; outages: incidents;
knowledgebase: drafts to review and content gaps; community: promoted answers).

A panel is small: a heading, a few rows that link into the list they count, and a link to
that whole list. Each panel says who may see it (``is_shown_to``) and reads in a fixed number
of queries, however much data there is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wagtail.admin.ui.components import Component
from wagtail.permissions import page_permission_policy

from portal import roles


@dataclass(frozen=True)
class PanelRow:
    label: str
    url: str
    value: int | str | None = None
    note: str = ""
    tone: str = ""  # "" | "warning" | "critical"
    group: str = ""  # rows of one group sit together under this heading


class DashboardPanel(Component):
    template_name = "portal/admin/dashboard_panel.html"
    #: the element id and a stable name for tests
    panel_id = ""
    heading = ""
    #: what the panel says when there is nothing to count
    empty_text = ""
    #: Wagtail's own panels start at 100: the support home comes first
    order = 50
    #: "tiles" (short labels with a number) or "list" (titles, one a line)
    layout = "tiles"

    class Media:
        css = {"all": ["portal/admin/dashboard.css"]}

    def __init__(self, request) -> None:
        self.request = request

    @classmethod
    def is_shown_to(cls, user) -> bool:
        raise NotImplementedError

    def rows(self) -> list[PanelRow]:
        raise NotImplementedError

    def see_all(self) -> tuple[str, str] | None:
        """(url, label) of the list the panel summarises."""
        return None

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        return {"panel": self, "rows": self.rows(), "see_all": self.see_all()}


def add_panels(request, panels: list, panel_classes: Iterable[type[DashboardPanel]]) -> None:
    """Append the panels ``request.user`` may see (for a ``construct_homepage_panels`` hook)."""
    for panel_class in panel_classes:
        if panel_class.is_shown_to(request.user):
            panels.append(panel_class(request))


def works_the_desk(user) -> bool:
    return roles.is_agent(user)


def edits_content(user) -> bool:
    """Editors: people who may change or publish pages (Wagtail's page permissions)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return page_permission_policy.user_has_any_permission(user, {"change", "publish"})
