"""The loyalty programme in the Wagtail admin (helper G's part): the rewards catalogue
(a viewset) and the programme report with CSV/XLSX export, on ``portal.admin_reports``.

The report, over the last ``days`` (90, 365, 730; default 365): members per tier (now),
points issued, redeemed, expired and reversed in the period, outstanding points (the
liability: every balance), the redemption rate, referrals made and converted, and the tier
migrations (upgrades and downgrades) per month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.permissions import register_permission_policy

from loyalty import selectors
from loyalty.models import Reward
from portal.admin_reports import AdminReportView
from portal.admin_views import RolePermissionPolicy
from portal.wagtail_hooks import PortalViewSet

register_permission_policy(Reward, RolePermissionPolicy(Reward))
PERIODS = (90, 365, 730)


class RewardViewSet(PortalViewSet):
    model = Reward
    icon = "pick"
    menu_label = _("Rewards")
    views = ("index", "add", "edit", "delete")
    list_display = ["name", "kind", "cost", "min_tier", "value", "active"]
    list_filter = ["kind", "active", "min_tier"]
    search_fields = ["name"]
    select_related = ("min_tier",)
    form_fields = [
        "name",
        "description",
        "kind",
        "cost",
        "min_tier",
        "value",
        "currency",
        "causes",
        "valid_days",
        "active",
    ]


@dataclass
class ReportRow:
    section: str
    measure: str
    value: str


def _number(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{100 * value:.1f}%"
    return str(value)


def programme_rows(*, days: int = 365, now=None) -> list[ReportRow]:
    now = now or timezone.now()
    start = now - timedelta(days=days)
    figures = selectors.programme_figures(start, now)
    members = force_str(_("Members per tier"))
    points = force_str(_("Points"))
    referrals = force_str(_("Referrals"))
    migrations = force_str(_("Tier migrations (up / down)"))
    rows = [ReportRow(members, name, str(count)) for name, count in selectors.members_per_tier()]
    rows += [
        ReportRow(points, force_str(_("Issued")), _number(figures["points_issued"])),
        ReportRow(points, force_str(_("Redeemed")), _number(figures["points_redeemed"])),
        ReportRow(points, force_str(_("Expired")), _number(figures["points_expired"])),
        ReportRow(points, force_str(_("Reversed")), _number(figures["points_reversed"])),
        ReportRow(
            points,
            force_str(_("Outstanding (liability)")),
            _number(figures["points_outstanding"]),
        ),
        ReportRow(points, force_str(_("Redemption rate")), _number(figures["redemption_rate"])),
        ReportRow(referrals, force_str(_("Made")), _number(figures["referrals_made"])),
        ReportRow(referrals, force_str(_("Converted")), _number(figures["referrals_converted"])),
        ReportRow(
            referrals,
            force_str(_("Conversion rate")),
            _number(figures["referral_conversion_rate"]),
        ),
    ]
    rows += [
        ReportRow(migrations, month, f"{up} / {down}")
        for month, up, down in selectors.tier_migrations(start, now)
    ]
    return rows


class ProgrammeReportView(AdminReportView):
    page_title = _("Loyalty programme")
    header_icon = "pick"
    index_url_name = "loyalty_reports:programme"
    index_results_url_name = "loyalty_reports:programme_results"
    export_filename = "loyalty-programme"
    periods = PERIODS
    default_days = 365
    columns = [
        Column("section", label=_("Section")),
        Column("measure", label=_("Measure")),
        Column("value", label=_("Value")),
    ]
    list_export = ["section", "measure", "value"]

    def get_page_subtitle(self):
        return _("Last %(days)d days") % {"days": self.days}

    def get_queryset(self):
        return programme_rows(days=self.days)
