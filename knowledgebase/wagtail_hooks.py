"""Knowledge-base reports in the Wagtail admin's Reports menu."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from knowledgebase import admin_panels, reports, translation_report
from portal.admin_panels import add_panels
from portal.admin_reports import report_urls

REPORTS = [
    ("top_articles", "top-articles/", reports.TopArticlesReport, _("KB: top articles"), "pick"),
    ("feedback", "feedback/", reports.FeedbackReport, _("KB: feedback comments"), "comment"),
    (
        "no_results",
        "no-results/",
        reports.NoResultSearchReport,
        _("KB: searches, no results"),
        "search",
    ),
    ("no_clicks", "no-clicks/", reports.NoClickSearchReport, _("KB: searches, no click"), "search"),
    ("review_due", "review-due/", reports.ReviewDueReport, _("KB: review due"), "time"),
    ("drafts", "drafts/", admin_panels.DraftsReport, _("KB: drafts to review"), "edit"),
    ("views_trend", "views-trend/", reports.ViewsTrendReport, _("KB: views per week"), "history"),
    (
        "deflection",
        "deflection/",
        reports.DeflectionTrendReport,
        _("KB: deflection net of re-contacts"),
        "redirect",
    ),
    (
        "recontacts",
        "recontacts/",
        reports.RecontactedArticlesReport,
        _("KB: articles customers came back from"),
        "warning",
    ),
    (
        "translations",
        "translations/",
        translation_report.TranslationStatusReport,
        _("KB: translations missing or out of date"),
        "globe",
    ),
]


@hooks.register("register_admin_urls")
def register_kb_report_urls():
    views = [(route, name, view) for name, route, view, _label, _icon in REPORTS]
    return report_urls("reports/kb/", "kb_reports", views)


def _menu_item(name: str, label, icon: str, order: int):
    return MenuItem(
        label, reverse(f"kb_reports:{name}"), name=f"kb-{name}", icon_name=icon, order=order
    )


for _order, (_name, _route, _view, _label, _icon) in enumerate(REPORTS):

    @hooks.register("register_reports_menu_item")
    def _register(name=_name, label=_label, icon=_icon, order=1000 + _order):
        return _menu_item(name, label, icon, order)


@hooks.register("construct_homepage_panels")
def add_support_home_panels(request, panels):
    """Drafts to review and content gaps on the dashboard (editors)."""
    add_panels(request, panels, admin_panels.PANELS)
