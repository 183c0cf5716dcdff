"""Incidents in the Wagtail admin: a read-only "Incidents" menu (list and inspect, each row
linking to the desk page where incidents are declared, published and updated) and the
incident report in the Reports menu (admins)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.permissions import register_permission_policy

from outages import admin_panels
from outages.models import Incident
from outages.reports import IncidentReportView
from portal.admin_panels import add_panels
from portal.admin_reports import AdminOnlyMenuItem, report_urls
from portal.admin_views import RolePermissionPolicy
from portal.wagtail_hooks import PortalViewSet

register_permission_policy(Incident, RolePermissionPolicy(Incident, admin={"view"}, agent={"view"}))


def desk_url(incident: Incident) -> str:
    return reverse("outages_desk:detail", args=[incident.pk])


class IncidentViewSet(PortalViewSet):
    model = Incident
    icon = "warning"
    menu_label = _("Incidents")
    menu_order = 270
    add_to_admin_menu = True
    views = ("index", "inspect")
    list_display = [
        TitleColumn("title", label=_("Incident (opens the desk)"), get_url=desk_url),
        Column("impact", label=_("Impact"), accessor="get_impact_display"),
        Column("status", label=_("Status"), accessor="state_label"),
        DateColumn("starts_at", label=_("Starts")),
        DateColumn("published_at", label=_("Published")),
    ]
    list_filter = ["status", "impact", "products"]
    search_fields = ["title", "title_it", "region"]
    inspect_view_fields = [
        "title",
        "title_it",
        "products",
        "region",
        "impact",
        "status",
        "starts_at",
        "ends_at",
        "published_at",
        "created_by",
    ]


@hooks.register("register_admin_viewset")
def register_incidents():
    return IncidentViewSet("incidents", url_prefix="incidents")


@hooks.register("register_admin_urls")
def register_report_urls():
    return report_urls(
        "reports/incidents/", "outages_reports", [("", "incidents", IncidentReportView)]
    )


@hooks.register("register_reports_menu_item")
def register_report_menu_item():
    return AdminOnlyMenuItem(
        _("Incidents"), reverse("outages_reports:incidents"), icon_name="warning", order=810
    )


@hooks.register("construct_homepage_panels")
def add_support_home_panels(request, panels):
    """Active incidents on the dashboard (agents and admins)."""
    add_panels(request, panels, admin_panels.PANELS)
