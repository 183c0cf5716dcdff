"""The "Insights" menu in the Wagtail admin (admins): the overview report and the surveys."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu
from wagtail.permissions import register_permission_policy

from insights.models import Survey
from insights.reports import InsightsCustomersView, InsightsOverviewView
from portal.admin_reports import AdminOnlyMenuItem, AdminOnlySubmenu
from portal.admin_views import RolePermissionPolicy
from portal.wagtail_hooks import PortalViewSet

register_permission_policy(Survey, RolePermissionPolicy(Survey, admin={"view"}))


class SurveyViewSet(PortalViewSet):
    model = Survey
    icon = "form"
    menu_label = _("Surveys")
    add_to_admin_menu = False
    views = ("index", "inspect")
    list_display = ["customer", "kind", "trigger_ref", "sent_at", "answered_at", "score"]
    list_filter = ["kind", "trigger"]
    search_fields = ["customer__name", "customer__customer_ref", "trigger_ref", "comment"]
    select_related = ("customer",)
    inspect_view_fields = [
        "customer",
        "kind",
        "trigger",
        "trigger_ref",
        "sent_at",
        "expires_at",
        "answered_at",
        "score",
        "comment",
        "category_spend",
        "likely_recommend",
        "likely_try_other",
        "likely_return",
    ]


survey_viewset = SurveyViewSet("insights_surveys", url_prefix="insights/surveys")


@hooks.register("register_admin_viewset")
def register_surveys():
    return survey_viewset


@hooks.register("register_admin_urls")
def register_report_urls():
    patterns = [
        path("", InsightsOverviewView.as_view(), name="overview"),
        path("customers/", InsightsCustomersView.as_view(), name="customers"),
    ]
    urls = include((patterns, "insights_reports"), namespace="insights_reports")
    return [path("insights/", urls)]


@hooks.register("register_admin_menu_item")
def register_insights_menu():
    menu = Menu(
        items=[
            AdminOnlyMenuItem(
                _("Overview"), reverse("insights_reports:overview"), icon_name="view", order=10
            ),
            AdminOnlyMenuItem(
                _("Valuable customers at risk"),
                reverse("insights_reports:customers") + "?list=at_risk",
                icon_name="warning",
                order=15,
            ),
            AdminOnlyMenuItem(
                _("Surveys"), reverse("insights_surveys:index"), icon_name="form", order=20
            ),
        ]
    )
    return AdminOnlySubmenu(_("Insights"), menu, icon_name="view", order=280)
