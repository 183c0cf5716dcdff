"""The "Community" menu in the Wagtail admin (admins): forum categories and tags, the
moderator action log, a link to the moderation queue, and the community report."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from community import admin_panels
from community.models import Category, ModerationAction, Tag
from community.reports import CommunityReportView
from portal.admin_panels import add_panels
from portal.admin_reports import AdminOnlyMenuItem, report_urls
from portal.admin_views import RolePermissionPolicy
from portal.wagtail_hooks import PortalViewSet

for _model in (Category, Tag, ModerationAction):
    register_permission_policy(_model, RolePermissionPolicy(_model))


class CategoryViewSet(PortalViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("Forum categories")
    views = ("index", "add", "edit", "delete")
    list_display = ["name", "name_it", "slug", "visibility", "group", "organisation", "order"]
    list_filter = ["visibility"]
    search_fields = ["name", "name_it", "slug", "description"]
    select_related = ("group", "organisation")
    form_fields = [
        "name",
        "name_it",
        "slug",
        "description",
        "description_it",
        "order",
        "visibility",
        "group",
        "organisation",
    ]


class TagViewSet(PortalViewSet):
    model = Tag
    icon = "tag"
    menu_label = _("Forum tags")
    views = ("index", "add", "edit", "delete")
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    form_fields = ["name", "slug"]


class ModerationLogViewSet(PortalViewSet):
    model = ModerationAction
    icon = "history"
    menu_label = _("Moderator log")
    views = ("index", "inspect")
    list_display = ["created_at", "actor", "action", "thread", "reason"]
    list_filter = ["action"]
    search_fields = ["reason", "thread__title"]
    select_related = ("actor", "thread")


class QueueMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        from community.services.common import is_moderator

        return is_moderator(request.user)


class CommunityGroup(ModelViewSetGroup):
    menu_label = _("Community")
    menu_icon = "group"
    menu_order = 270
    items = (
        CategoryViewSet("community_categories", url_prefix="community/categories"),
        TagViewSet("community_tags", url_prefix="community/tags"),
        ModerationLogViewSet("community_log", url_prefix="community/log"),
    )

    def get_submenu_items(self):
        return [
            *super().get_submenu_items(),
            QueueMenuItem(
                _("Moderation queue"), "/community/moderation/", icon_name="warning", order=900
            ),
        ]


@hooks.register("register_admin_viewset")
def register_community():
    return CommunityGroup()


@hooks.register("register_admin_urls")
def register_report_urls():
    return report_urls(
        "reports/community/", "community_reports", [("", "community", CommunityReportView)]
    )


@hooks.register("register_reports_menu_item")
def register_report_menu_item():
    return AdminOnlyMenuItem(
        _("Community"), reverse("community_reports:community"), icon_name="group", order=810
    )


@hooks.register("construct_homepage_panels")
def add_support_home_panels(request, panels):
    """Community answers promoted to KB drafts on the dashboard (editors)."""
    add_panels(request, panels, admin_panels.PANELS)
