"""Editors' reports in the Wagtail admin (Reports menu), each exportable as CSV or XLSX.

- top articles: views over the last 30 days, helpful yes/no and ratio, average time on page
- feedback: every "was this helpful?" answer that came with a comment
- content gaps: searches that found nothing; searches whose results nobody clicked
- review due: articles past their review date (or never reviewed)
- views trend: article views per week over the last twelve weeks
- deflection: per week, deflections, re-contacts, tickets opened, the deflection rate and the
  rate net of re-contacts (a deflection the customer came back from is not one)
- re-contacted articles: per article, deflections over the last 30 days and how many the
  customer came back from (``knowledgebase.recontacts``): the articles that do not solve it
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn

from knowledgebase.models import (
    ArticleFeedback,
    ArticlePage,
    EngagementEvent,
    Recontact,
    SearchClick,
    SearchQuery,
)
from portal.admin_reports import AdminReportView
from portal.models import Interaction, InteractionKind

PERIOD_DAYS = 30


def _since():
    return timezone.now() - timedelta(days=PERIOD_DAYS)


class _KBReport(AdminReportView):
    header_icon = "doc-full"
    paginate_by = 50


def _count_subquery(queryset, field: str = "pk"):
    return Coalesce(
        Subquery(
            queryset.order_by().values(field).annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def top_articles_queryset():
    ct = ContentType.objects.get_for_model(ArticlePage)
    views = Interaction.objects.filter(
        kind=InteractionKind.KB_VIEW,
        target_type=ct,
        target_id=Cast(OuterRef("pk"), output_field=CharField()),
        occurred_at__gte=_since(),
    )
    feedback = ArticleFeedback.objects.filter(article=OuterRef("pk"))
    time = EngagementEvent.objects.filter(
        article=OuterRef("pk"), kind=EngagementEvent.Kind.TIME_ON_PAGE
    )
    return (
        ArticlePage.objects.live()
        .annotate(
            views=_count_subquery(views, "target_id"),
            helpful_yes=_count_subquery(feedback.filter(helpful=True), "article"),
            helpful_no=_count_subquery(feedback.filter(helpful=False), "article"),
            avg_seconds=Subquery(
                time.order_by().values("article").annotate(a=Avg("seconds")).values("a")[:1]
            ),
        )
        .order_by("-views", "title")
    )


class TopArticlesReport(_KBReport):
    page_title = _("Knowledge base: top articles")
    index_url_name = "kb_reports:top_articles"
    index_results_url_name = "kb_reports:top_articles_results"
    export_filename = "kb-top-articles"
    columns = [
        TitleColumn("title", label=_("Article"), url_name="wagtailadmin_pages:edit"),
        Column("audience", label=_("Audience")),
        Column("views", label=_("Views (30 days)")),
        Column("helpful_yes", label=_("Helpful")),
        Column("helpful_no", label=_("Not helpful")),
        Column("helpful_ratio", label=_("Helpful %")),
        Column("avg_time", label=_("Avg. seconds on page")),
    ]
    list_export = [
        "title",
        "audience",
        "views",
        "helpful_yes",
        "helpful_no",
        "helpful_ratio",
        "avg_time",
    ]

    def get_queryset(self):
        return top_articles_queryset()

    def decorate_paginated_queryset(self, object_list):
        for article in object_list:
            votes = article.helpful_yes + article.helpful_no
            article.helpful_ratio = f"{100 * article.helpful_yes / votes:.0f}" if votes else "-"
            article.avg_time = f"{article.avg_seconds:.0f}" if article.avg_seconds else "-"
        return object_list

    def as_spreadsheet(self, queryset, spreadsheet_format):
        return super().as_spreadsheet(
            self.decorate_paginated_queryset(list(queryset)), spreadsheet_format
        )


class FeedbackReport(_KBReport):
    page_title = _("Knowledge base: feedback comments")
    index_url_name = "kb_reports:feedback"
    index_results_url_name = "kb_reports:feedback_results"
    export_filename = "kb-feedback"
    columns = [
        Column("article", label=_("Article")),
        Column("helpful_label", label=_("Helpful?")),
        Column("comment", label=_("Comment")),
        DateColumn("updated_at", label=_("When")),
    ]
    list_export = ["article", "helpful_label", "comment", "updated_at"]

    def get_queryset(self):
        return (
            ArticleFeedback.objects.exclude(comment="")
            .select_related("article")
            .annotate(
                helpful_label=Case(
                    When(helpful=True, then=Value("yes")),
                    default=Value("no"),
                    output_field=CharField(),
                )
            )
            .order_by("-updated_at")
        )


class NoResultSearchReport(_KBReport):
    page_title = _("Knowledge base: searches with no results")
    index_url_name = "kb_reports:no_results"
    index_results_url_name = "kb_reports:no_results_results"
    export_filename = "kb-searches-no-results"
    columns = [
        Column("query", label=_("Query")),
        Column("searches", label=_("Searches (30 days)")),
        DateColumn("last", label=_("Last searched")),
    ]
    list_export = ["query", "searches", "last"]

    def get_queryset(self):
        return (
            SearchQuery.objects.filter(created_at__gte=_since(), result_count=0)
            .exclude(query="")
            .values("query")
            .annotate(searches=Count("pk"), last=Max("created_at"))
            .order_by("-searches", "query")
        )


class NoClickSearchReport(_KBReport):
    page_title = _("Knowledge base: searches nobody clicked")
    index_url_name = "kb_reports:no_clicks"
    index_results_url_name = "kb_reports:no_clicks_results"
    export_filename = "kb-searches-no-click"
    columns = NoResultSearchReport.columns
    list_export = NoResultSearchReport.list_export

    def get_queryset(self):
        clicked = SearchClick.objects.filter(search=OuterRef("pk"))
        return (
            SearchQuery.objects.filter(created_at__gte=_since(), result_count__gt=0)
            .exclude(query="")
            .filter(~Exists(clicked))
            .values("query")
            .annotate(searches=Count("pk"), last=Max("created_at"))
            .order_by("-searches", "query")
        )


class ReviewDueReport(_KBReport):
    page_title = _("Knowledge base: articles past their review date")
    index_url_name = "kb_reports:review_due"
    index_results_url_name = "kb_reports:review_due_results"
    export_filename = "kb-review-due"
    columns = [
        TitleColumn("title", label=_("Article"), url_name="wagtailadmin_pages:edit"),
        Column("content_owner", label=_("Owner")),
        DateColumn("last_reviewed", label=_("Last reviewed")),
        DateColumn("next_review", label=_("Review was due")),
    ]
    list_export = ["title", "content_owner", "last_reviewed", "next_review"]

    def get_queryset(self):
        return (
            ArticlePage.objects.live()
            # An alias standing in for a missing translation is reviewed with its source.
            .filter(alias_of__isnull=True)
            .filter(Q(next_review__isnull=True) | Q(next_review__lt=timezone.localdate()))
            .select_related("content_owner")
            .order_by(F("next_review").asc(nulls_first=True), "title")
        )


TREND_WEEKS = 12


class MeterColumn(Column):
    """A number drawn as a bar (``<meter>``) scaled to the largest value on the page."""

    cell_template_name = "knowledgebase/admin/meter_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["peak"] = instance.get("peak") or 1
        return context


class ViewsTrendReport(_KBReport):
    """Views = ``kb_view`` interactions in the week; readers = distinct signed-in customers
    plus distinct anonymous visitors (hashed session keys) in that week."""

    page_title = _("Knowledge base: views per week")
    index_url_name = "kb_reports:views_trend"
    index_results_url_name = "kb_reports:views_trend_results"
    export_filename = "kb-views-per-week"
    paginate_by = TREND_WEEKS + 1
    columns = [
        Column("week", label=_("Week starting")),
        MeterColumn("views", label=_("Views")),
        Column("customers", label=_("Signed-in readers")),
        Column("visitors", label=_("Anonymous readers")),
    ]
    list_export = ["week", "views", "customers", "visitors"]

    def get_queryset(self):
        start = timezone.localdate() - timedelta(weeks=TREND_WEEKS - 1)
        start -= timedelta(days=start.weekday())  # a Monday, as TruncWeek
        return (
            Interaction.objects.filter(
                kind=InteractionKind.KB_VIEW,
                target_type=ContentType.objects.get_for_model(ArticlePage),
                occurred_at__date__gte=start,
            )
            .annotate(week=TruncWeek("occurred_at"))
            .values("week")
            .annotate(
                views=Count("pk"),
                customers=Count("customer", distinct=True),
                visitors=Count("visitor", distinct=True, filter=~Q(visitor="")),
            )
            .order_by("-week")
        )

    def decorate_paginated_queryset(self, object_list):
        rows = list(object_list)
        peak = max((row["views"] for row in rows), default=0)
        for row in rows:
            row["peak"] = peak
            row["week"] = timezone.localdate(row["week"])  # an ISO date on screen and in CSV
        return rows


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}" if whole else "-"


def deflection_net_rate(deflections: int, recontacts: int, opened: int) -> float | None:
    """Deflections that lasted / (those + tickets opened): a re-contact is taken out of the
    deflections (its ticket is already among those opened)."""
    net = deflections - recontacts
    return net / (net + opened) if net + opened else None


class DeflectionTrendReport(_KBReport):
    """Per week (by when the deflection was logged): deflections, how many of them the
    customer came back from, tickets opened, the rate D / (D + T) and the net rate
    (D - R) / (D - R + T)."""

    page_title = _("Knowledge base: deflection net of re-contacts")
    index_url_name = "kb_reports:deflection"
    index_results_url_name = "kb_reports:deflection_results"
    export_filename = "kb-deflection"
    paginate_by = TREND_WEEKS + 1
    columns = [
        Column("week", label=_("Week starting")),
        Column("deflections", label=_("Deflections")),
        Column("recontacts", label=_("Re-contacts")),
        Column("opened", label=_("Tickets opened")),
        Column("rate", label=_("Deflection rate %")),
        Column("net_rate", label=_("Net of re-contacts %")),
    ]
    list_export = ["week", "deflections", "recontacts", "opened", "rate", "net_rate"]

    def get_queryset(self):
        start = timezone.localdate() - timedelta(weeks=TREND_WEEKS - 1)
        start -= timedelta(days=start.weekday())  # a Monday, as TruncWeek
        reversed_ = Recontact.objects.filter(deflection=OuterRef("pk"))
        return (
            Interaction.objects.filter(
                kind__in=[InteractionKind.DEFLECTION, InteractionKind.TICKET_OPEN],
                occurred_at__date__gte=start,
            )
            .annotate(week=TruncWeek("occurred_at"))
            .values("week")
            .annotate(
                deflections=Count("pk", filter=Q(kind=InteractionKind.DEFLECTION)),
                recontacts=Count(
                    "pk", filter=Q(kind=InteractionKind.DEFLECTION) & Q(Exists(reversed_))
                ),
                opened=Count("pk", filter=Q(kind=InteractionKind.TICKET_OPEN)),
            )
            .order_by("-week")
        )

    def decorate_paginated_queryset(self, object_list):
        rows = list(object_list)
        for row in rows:
            week = row["week"]
            row["week"] = timezone.localdate(week) if isinstance(week, datetime) else week
            gross = row["deflections"] + row["opened"]
            row["rate"] = _percent(row["deflections"], gross)
            net = deflection_net_rate(row["deflections"], row["recontacts"], row["opened"])
            row["net_rate"] = f"{100 * net:.0f}" if net is not None else "-"
        return rows

    def as_spreadsheet(self, queryset, spreadsheet_format):
        return super().as_spreadsheet(
            self.decorate_paginated_queryset(list(queryset)), spreadsheet_format
        )


def recontacted_articles_queryset():
    """Articles deflected in the last 30 days, those customers came back from most first."""
    ct = ContentType.objects.get_for_model(ArticlePage)
    deflections = Interaction.objects.filter(
        kind=InteractionKind.DEFLECTION,
        target_type=ct,
        target_id=Cast(OuterRef("pk"), output_field=CharField()),
        occurred_at__gte=_since(),
    )
    recontacts = Recontact.objects.filter(
        article=OuterRef("pk"), deflection__occurred_at__gte=_since()
    )
    return (
        ArticlePage.objects.annotate(
            deflections=_count_subquery(deflections, "target_id"),
            recontacts=_count_subquery(recontacts, "article"),
        )
        .filter(deflections__gt=0)
        .order_by("-recontacts", "-deflections", "title")
    )


class RecontactedArticlesReport(_KBReport):
    page_title = _("Knowledge base: articles customers came back from")
    index_url_name = "kb_reports:recontacts"
    index_results_url_name = "kb_reports:recontacts_results"
    export_filename = "kb-recontacted-articles"
    columns = [
        TitleColumn("title", label=_("Article"), url_name="wagtailadmin_pages:edit"),
        Column("deflections", label=_("Deflections (30 days)")),
        Column("recontacts", label=_("Re-contacts")),
        Column("recontact_ratio", label=_("Re-contact %")),
        Column("net", label=_("Net deflections")),
    ]
    list_export = ["title", "deflections", "recontacts", "recontact_ratio", "net"]

    def get_queryset(self):
        return recontacted_articles_queryset()

    def decorate_paginated_queryset(self, object_list):
        for article in object_list:
            article.recontact_ratio = _percent(article.recontacts, article.deflections)
            article.net = article.deflections - article.recontacts
        return object_list

    def as_spreadsheet(self, queryset, spreadsheet_format):
        return super().as_spreadsheet(
            self.decorate_paginated_queryset(list(queryset)), spreadsheet_format
        )
