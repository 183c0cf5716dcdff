"""The base of every app's reports in the Wagtail admin, and the admin-only menu items.

- ``AdminReportView``: spreadsheet headings are the on-screen column labels (or
  ``export_headings`` for exported fields without a column); ``days`` is the period chosen
  with ``?days=`` among ``periods`` (anything else: ``default_days``).
- ``report_urls``: each report at ``<prefix><route>`` and its results at
  ``<prefix><route>results/`` (Wagtail's filter updates), under one URL namespace.
- ``AdminOnlyMenuItem`` / ``AdminOnlySubmenu``: shown to admins only (the views check too).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import URLPattern, URLResolver, include, path
from django.utils.encoding import force_str
from wagtail.admin.menu import MenuItem, SubmenuMenuItem
from wagtail.admin.views.reports import ReportView

from portal import roles


class AdminReportView(ReportView):
    paginate_by = 100
    #: the periods (in days) ``?days=`` may choose; none: the report has no period
    periods: tuple[int, ...] = ()
    default_days = 30
    #: headings of exported fields that have no column on screen
    export_headings: dict = {}

    @property
    def days(self) -> int:
        raw = self.request.GET.get("days", "")
        return next((days for days in self.periods if raw == str(days)), self.default_days)

    def get_heading(self, queryset, field):
        """Spreadsheet headings are the on-screen column labels."""
        if field in self.export_headings:
            return force_str(self.export_headings[field])
        for column in self.columns:
            if column.name == field:
                return force_str(column.label)
        return super().get_heading(queryset, field)


def report_urls(
    prefix: str, namespace: str, reports: Sequence[tuple[str, str, type[ReportView]]]
) -> list[URLResolver]:
    """The admin URLs of ``reports`` (route, URL name, view) under ``prefix`` and
    ``namespace``: each report's page and its ``<name>_results`` page."""
    patterns: list[URLPattern] = []
    for route, name, view in reports:
        patterns.append(path(route, view.as_view(), name=name))
        patterns.append(
            path(f"{route}results/", view.as_view(results_only=True), name=f"{name}_results")
        )
    return [path(prefix, include((patterns, namespace), namespace=namespace))]


class AdminOnlyMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return roles.is_admin(request.user)


class AdminOnlySubmenu(SubmenuMenuItem):
    def is_shown(self, request) -> bool:
        return roles.is_admin(request.user)
