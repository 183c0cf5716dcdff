"""The "Support desk" menu in the Wagtail admin (admins): SLA policies, business calendars
and their holidays, queues, canned replies, tags, and the agent performance report.

Tickets themselves are worked at /desk/, not here."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from portal.admin_panels import add_panels
from portal.admin_reports import AdminOnlyMenuItem, report_urls
from portal.admin_views import RolePermissionPolicy
from portal.wagtail_hooks import PortalViewSet
from tickets import admin_panels
from tickets.models import BusinessCalendar, CannedReply, Holiday, Queue, SlaPolicy, Tag
from tickets.reports import AgentPerformanceView

for _model in (SlaPolicy, BusinessCalendar, Holiday, Queue, CannedReply, Tag):
    register_permission_policy(_model, RolePermissionPolicy(_model))

EDITABLE = ("index", "add", "edit", "delete")


class SlaPolicyViewSet(PortalViewSet):
    model = SlaPolicy
    icon = "time"
    menu_label = _("SLA policies")
    views = EDITABLE
    list_display = [
        "name",
        "priority",
        "organisation",
        "calendar",
        "first_response_minutes",
        "resolution_minutes",
        "at_risk_percent",
        "is_active",
    ]
    list_filter = ["priority", "is_active", "calendar"]
    search_fields = ["name", "organisation__name"]
    select_related = ("organisation", "calendar")
    form_fields = [
        "name",
        "priority",
        "organisation",
        "calendar",
        "first_response_minutes",
        "resolution_minutes",
        "at_risk_percent",
        "is_active",
    ]


class BusinessCalendarViewSet(PortalViewSet):
    model = BusinessCalendar
    icon = "date"
    menu_label = _("Business calendars")
    views = EDITABLE
    list_display = ["name", "timezone", "day_start", "day_end"]
    search_fields = ["name"]
    form_fields = [
        "name",
        "timezone",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "day_start",
        "day_end",
    ]


class HolidayViewSet(PortalViewSet):
    model = Holiday
    icon = "date"
    menu_label = _("Holidays")
    views = EDITABLE
    list_display = ["date", "name", "calendar"]
    list_filter = ["calendar"]
    search_fields = ["name"]
    select_related = ("calendar",)
    form_fields = ["calendar", "date", "name"]


class QueueViewSet(PortalViewSet):
    model = Queue
    icon = "list-ul"
    menu_label = _("Queues")
    views = EDITABLE
    list_display = ["name", "slug", "team", "is_default", "position"]
    search_fields = ["name", "slug"]
    select_related = ("team",)
    form_fields = ["name", "slug", "team", "products", "is_default", "description", "position"]


class CannedReplyViewSet(PortalViewSet):
    model = CannedReply
    icon = "openquote"
    menu_label = _("Canned replies")
    views = EDITABLE
    list_display = ["title", "team", "is_active"]
    list_filter = ["team", "is_active"]
    search_fields = ["title", "body"]
    select_related = ("team",)
    form_fields = ["title", "body", "team", "is_active"]


class TagViewSet(PortalViewSet):
    model = Tag
    icon = "tag"
    menu_label = _("Ticket tags")
    views = EDITABLE
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    form_fields = ["name", "slug"]


class SupportDeskGroup(ModelViewSetGroup):
    menu_label = _("Support desk")
    menu_icon = "help"
    menu_order = 260
    items = (
        SlaPolicyViewSet("support_sla_policies", url_prefix="support/sla-policies"),
        BusinessCalendarViewSet("support_calendars", url_prefix="support/calendars"),
        HolidayViewSet("support_holidays", url_prefix="support/holidays"),
        QueueViewSet("support_queues", url_prefix="support/queues"),
        CannedReplyViewSet("support_canned_replies", url_prefix="support/canned-replies"),
        TagViewSet("support_tags", url_prefix="support/tags"),
    )


@hooks.register("register_admin_viewset")
def register_support_desk():
    return SupportDeskGroup()


@hooks.register("register_admin_urls")
def register_report_urls():
    return report_urls("reports/agents/", "tickets_reports", [("", "agents", AgentPerformanceView)])


@hooks.register("register_reports_menu_item")
def register_report_menu_item():
    return AdminOnlyMenuItem(
        _("Agent performance"),
        reverse("tickets_reports:agents"),
        icon_name="group",
        order=800,
    )


# --- the email channel's inbound side (issue 16): tickets/admin_inbound.py -------------------
@hooks.register("register_admin_viewset")
def register_inbound_email():
    from tickets.admin_inbound import InboundEmailGroup

    return InboundEmailGroup()


@hooks.register("register_admin_urls")
def register_inbound_retry_urls():
    from tickets.admin_inbound import inbound_admin_urls

    return inbound_admin_urls()


@hooks.register("construct_homepage_panels")
def add_support_home_panels(request, panels):
    """Open tickets and the SLA today on the dashboard (agents and admins)."""
    add_panels(request, panels, admin_panels.PANELS)
