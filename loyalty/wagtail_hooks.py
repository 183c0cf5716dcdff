"""The loyalty programme in the Wagtail admin: rewards and the programme report (helper G's
functions below; earn rules, tiers and adjustments are helper F's)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from portal.admin_reports import AdminOnlyMenuItem, report_urls


@hooks.register("register_admin_viewset")
def register_rewards():
    from loyalty.reports import RewardViewSet

    return RewardViewSet("loyalty_rewards", url_prefix="loyalty/rewards")


@hooks.register("register_admin_urls")
def register_programme_report_urls():
    from loyalty.reports import ProgrammeReportView

    return report_urls(
        "reports/loyalty/", "loyalty_reports", [("", "programme", ProgrammeReportView)]
    )


@hooks.register("register_reports_menu_item")
def register_programme_report_menu_item():
    return AdminOnlyMenuItem(
        _("Loyalty programme"), reverse("loyalty_reports:programme"), icon_name="pick", order=850
    )


# --- helper F's part: earn rules, tiers, the ledger, points adjustments ---------------------
@hooks.register("register_admin_viewset")
def register_rules_and_tiers():
    from loyalty.admin import LoyaltyGroup

    return LoyaltyGroup()


@hooks.register("register_admin_urls")
def register_adjustment_urls():
    from django.urls import include, path

    from loyalty.admin import adjustment_view

    patterns = [path("", adjustment_view, name="adjust")]
    return [
        path("loyalty/adjust/", include((patterns, "loyalty_admin"), namespace="loyalty_admin"))
    ]


@hooks.register("register_admin_menu_item")
def register_adjustment_menu_item():
    return AdminOnlyMenuItem(
        _("Adjust points"), reverse("loyalty_admin:adjust"), icon_name="pick", order=281
    )
