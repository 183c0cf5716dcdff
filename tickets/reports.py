"""The agent performance report (Wagtail admin, Reports menu; CSV and XLSX export).

Per agent, then per team, over the last ``days`` (7, 30 or 90; default 30): tickets
resolved, public replies sent, average first response and resolution time (hours, wall
clock, of the tickets resolved in the period), SLA compliance (resolved tickets with a policy
and no stored breach), and the open tickets assigned now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from portal.admin_reports import AdminReportView
from portal.models import Team, User
from tickets.models import ACTIVE_STATUSES, Message, SlaBreach, Ticket

PERIODS = (7, 30, 90)


@dataclass
class PerformanceRow:
    name: str
    kind: str
    resolved: int = 0
    replies: int = 0
    open_now: int = 0
    first_response_hours: str = "-"
    resolution_hours: str = "-"
    sla_compliance: str = "-"


@dataclass
class _Totals:
    resolved: int = 0
    replies: int = 0
    open_now: int = 0
    first_response: float = 0.0
    first_response_n: int = 0
    resolution: float = 0.0
    with_policy: int = 0
    met: int = 0

    def add(self, other: _Totals) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def row(self, name: str, kind: str) -> PerformanceRow:
        return PerformanceRow(
            name=name,
            kind=kind,
            resolved=self.resolved,
            replies=self.replies,
            open_now=self.open_now,
            first_response_hours=(
                f"{self.first_response / self.first_response_n / 3600:.1f}"
                if self.first_response_n
                else "-"
            ),
            resolution_hours=(
                f"{self.resolution / self.resolved / 3600:.1f}" if self.resolved else "-"
            ),
            sla_compliance=(
                f"{100 * self.met / self.with_policy:.0f}%" if self.with_policy else "-"
            ),
        )


def performance_rows(*, days: int = 30, now=None) -> list[PerformanceRow]:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    totals: dict[int, _Totals] = defaultdict(_Totals)
    breached = SlaBreach.objects.filter(ticket=OuterRef("pk"))
    resolved = (
        Ticket.objects.filter(resolved_at__gte=since, assignee__isnull=False)
        .annotate(breached=Exists(breached))
        .values_list(
            "assignee", "created_at", "first_response_at", "resolved_at", "sla_policy", "breached"
        )
    )
    for agent, created, first, done, policy, was_breached in resolved.iterator():
        row = totals[agent]
        row.resolved += 1
        row.resolution += (done - created).total_seconds()
        if first is not None:
            row.first_response += (first - created).total_seconds()
            row.first_response_n += 1
        if policy is not None:
            row.with_policy += 1
            row.met += not was_breached
    replies = (
        Message.objects.filter(
            author_role=Message.Author.AGENT, internal=False, created_at__gte=since
        )
        .values("author")
        .annotate(n=Count("pk"))
    )
    for item in replies:
        if item["author"] is not None:
            totals[item["author"]].replies += item["n"]
    open_now = (
        Ticket.objects.filter(status__in=ACTIVE_STATUSES, assignee__isnull=False)
        .values("assignee")
        .annotate(n=Count("pk"))
    )
    for item in open_now:
        totals[item["assignee"]].open_now += item["n"]

    people = {user.pk: user for user in User.objects.filter(pk__in=totals)}
    rows = [
        totals[pk].row(people[pk].get_full_name(), force_str(_("Agent")))
        for pk in sorted(people, key=lambda pk: people[pk].get_full_name().lower())
    ]
    for team in (
        Team.objects.prefetch_related("members")
        .filter(Q(members__in=people) | Q(lead__in=people))
        .distinct()
    ):
        team_total = _Totals()
        for member in {*team.members.all(), *([team.lead] if team.lead_id else [])}:
            if member.pk in totals:
                team_total.add(totals[member.pk])
        rows.append(team_total.row(team.name, force_str(_("Team"))))
    return rows


class AgentPerformanceView(AdminReportView):
    page_title = _("Agent performance")
    header_icon = "group"
    index_url_name = "tickets_reports:agents"
    index_results_url_name = "tickets_reports:agents_results"
    export_filename = "agent-performance"
    periods = PERIODS
    columns = [
        Column("name", label=_("Agent or team")),
        Column("kind", label=_("Row")),
        Column("resolved", label=_("Resolved")),
        Column("replies", label=_("Replies sent")),
        Column("first_response_hours", label=_("Avg. first response (h)")),
        Column("resolution_hours", label=_("Avg. resolution (h)")),
        Column("sla_compliance", label=_("SLA met")),
        Column("open_now", label=_("Open now")),
    ]
    list_export = [
        "name",
        "kind",
        "resolved",
        "replies",
        "first_response_hours",
        "resolution_hours",
        "sla_compliance",
        "open_now",
    ]

    def get_page_subtitle(self):
        return _("Last %(days)d days") % {"days": self.days}

    def get_queryset(self):
        return performance_rows(days=self.days)
