"""The community report (Wagtail admin, Reports menu; CSV and XLSX export).

Over the last ``days`` (7, 30, 90 or 365; default 30): active members (posted or voted),
questions asked, answer rate, median time to first answer, accepted-answer rate, the share of
answers written by the community and by staff, and the top contributors (answers, accepted
answers, reputation earned in the period).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from community.models import Post, ReputationEntry, Thread, Vote
from portal.admin_reports import AdminReportView
from portal.models import User

PERIODS = (7, 30, 90, 365)
TOP = 10


@dataclass
class Contributor:
    name: str
    answers: int
    accepted: int
    reputation: int


@dataclass
class CommunityReport:
    days: int
    active_members: int
    questions: int
    answered: int
    solved: int
    median_first_answer_hours: float | None
    community_answers: int
    staff_answers: int
    top: list[Contributor] = field(default_factory=list)

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.questions if self.questions else None

    @property
    def accepted_rate(self) -> float | None:
        return self.solved / self.questions if self.questions else None

    @property
    def staff_share(self) -> float | None:
        total = self.community_answers + self.staff_answers
        return self.staff_answers / total if total else None


def community_report(*, days: int = 30, now: datetime | None = None) -> CommunityReport:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    posts = Post.objects.filter(created_at__gte=since, created_at__lt=now, is_deleted=False)
    published = posts.filter(status=Post.Status.PUBLISHED)
    posters = set(published.exclude(author=None).values_list("author", flat=True).distinct())
    voters = set(
        Vote.objects.filter(updated_at__gte=since, updated_at__lt=now)
        .values_list("voter", flat=True)
        .distinct()
    )
    questions = Thread.objects.filter(
        kind=Thread.Kind.QUESTION,
        created_at__gte=since,
        created_at__lt=now,
        is_deleted=False,
        is_pending=False,
        merged_into__isnull=True,
    )
    counts = questions.aggregate(
        n=Count("pk"),
        answered=Count("pk", filter=Q(answer_count__gt=0)),
        solved=Count("pk", filter=Q(is_solved=True)),
    )
    waits = [
        (first - created).total_seconds() / 3600
        for created, first in questions.filter(first_answer_at__isnull=False).values_list(
            "created_at", "first_answer_at"
        )
    ]
    answers = published.filter(is_question=False, is_hidden=False)
    shares = answers.aggregate(
        staff=Count("pk", filter=Q(is_staff_answer=True)),
        community=Count("pk", filter=Q(is_staff_answer=False)),
    )
    top_rows = (
        answers.exclude(author=None)
        .values("author")
        .annotate(n=Count("pk"))
        .order_by("-n", "author")[:TOP]
    )
    top_ids = [row["author"] for row in top_rows]
    names = {u.pk: u.get_full_name() for u in User.objects.filter(pk__in=top_ids)}
    accepted = dict(
        Thread.objects.filter(
            accepted_answer__author__in=top_ids,
            accepted_answer__created_at__gte=since,
            accepted_answer__created_at__lt=now,
        )
        .values("accepted_answer__author")
        .annotate(n=Count("pk"))
        .values_list("accepted_answer__author", "n")
    )
    earned = dict(
        ReputationEntry.objects.filter(user__in=top_ids, created_at__gte=since, created_at__lt=now)
        .values("user")
        .annotate(total=Sum("amount"))
        .values_list("user", "total")
    )
    return CommunityReport(
        days=days,
        active_members=len(posters | voters),
        questions=counts["n"],
        answered=counts["answered"],
        solved=counts["solved"],
        median_first_answer_hours=round(statistics.median(waits), 1) if waits else None,
        community_answers=shares["community"],
        staff_answers=shares["staff"],
        top=[
            Contributor(
                name=names.get(row["author"], "?"),
                answers=row["n"],
                accepted=accepted.get(row["author"], 0),
                reputation=earned.get(row["author"], 0) or 0,
            )
            for row in top_rows
        ],
    )


@dataclass
class ReportRow:
    section: str
    measure: str
    value: str
    detail: str = ""


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def report_rows(report: CommunityReport) -> list[ReportRow]:
    summary = force_str(_("Summary"))
    rows = [
        ReportRow(
            summary,
            force_str(_("Active members")),
            str(report.active_members),
            force_str(_("posted or voted")),
        ),
        ReportRow(summary, force_str(_("Questions asked")), str(report.questions)),
        ReportRow(
            summary,
            force_str(_("Answer rate")),
            _percent(report.answer_rate),
            f"{report.answered}/{report.questions}",
        ),
        ReportRow(
            summary,
            force_str(_("Median time to first answer (h)")),
            "-"
            if report.median_first_answer_hours is None
            else f"{report.median_first_answer_hours:.1f}",
        ),
        ReportRow(
            summary,
            force_str(_("Accepted-answer rate")),
            _percent(report.accepted_rate),
            f"{report.solved}/{report.questions}",
        ),
        ReportRow(
            summary,
            force_str(_("Answers by staff")),
            _percent(report.staff_share),
            force_str(_("%(staff)d staff, %(community)d community"))
            % {"staff": report.staff_answers, "community": report.community_answers},
        ),
    ]
    top = force_str(_("Top contributors"))
    for person in report.top:
        rows.append(
            ReportRow(
                top,
                person.name,
                force_str(_("%(n)d answers")) % {"n": person.answers},
                force_str(_("%(accepted)d accepted, %(rep)+d reputation"))
                % {"accepted": person.accepted, "rep": person.reputation},
            )
        )
    return rows


class CommunityReportView(AdminReportView):
    page_title = _("Community")
    header_icon = "group"
    index_url_name = "community_reports:community"
    index_results_url_name = "community_reports:community_results"
    export_filename = "community-report"
    periods = PERIODS
    columns = [
        Column("section", label=_("Section")),
        Column("measure", label=_("Measure")),
        Column("value", label=_("Value")),
        Column("detail", label=_("Detail")),
    ]
    list_export = ["section", "measure", "value", "detail"]

    def get_page_subtitle(self):
        return _("Last %(days)d days") % {"days": self.days}

    def get_queryset(self):
        return report_rows(community_report(days=self.days))
