"""The knowledge base on the Wagtail dashboard (editors): drafts waiting for review (pages in
moderation first, then drafts and live articles with unpublished changes) and content gaps
(searches that found nothing in the last 30 days). Also the list the drafts panel summarises,
a report under the Reports menu."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Exists, F, Max, OuterRef
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.models import Page, WorkflowState

from knowledgebase.models import ArticlePage, SearchQuery
from knowledgebase.reports import _KBReport, _since
from portal.admin_panels import DashboardPanel, PanelRow, edits_content

SHOWN = 5


def drafts_to_review():
    """Articles with changes nobody published yet: in moderation first, newest edit first."""
    moderating = WorkflowState.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Page),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        status=WorkflowState.STATUS_IN_PROGRESS,
    )
    return (
        ArticlePage.objects.filter(has_unpublished_changes=True)
        .annotate(in_moderation=Exists(moderating))
        .order_by(
            F("in_moderation").desc(), F("latest_revision_created_at").desc(nulls_last=True), "pk"
        )
    )


def draft_state(page) -> str:
    if page.in_moderation:
        return str(_("In moderation"))
    if page.live:
        return str(_("Live, with unpublished changes"))
    return str(_("Draft, never published"))


class KbDraftsPanel(DashboardPanel):
    panel_id = "support-kb-drafts"
    heading = _("Articles waiting for review")
    empty_text = _("No drafts waiting: every article change is published.")
    order = 40
    layout = "list"

    @classmethod
    def is_shown_to(cls, user) -> bool:
        return edits_content(user)

    def rows(self) -> list[PanelRow]:
        """Two queries: the count and the first few rows."""
        drafts = drafts_to_review()
        self.total = drafts.count()
        return [
            PanelRow(
                page.title,
                reverse("wagtailadmin_pages:edit", args=[page.pk]),
                note=draft_state(page),
                tone="warning" if page.in_moderation else "",
            )
            for page in drafts.only("id", "title", "live", "latest_revision_created_at")[:SHOWN]
        ]

    def see_all(self):
        total = getattr(self, "total", 0)
        if not total:
            return None
        return reverse("kb_reports:drafts"), _("All %(count)d drafts") % {"count": total}


class ContentGapsPanel(DashboardPanel):
    panel_id = "support-content-gaps"
    heading = _("Content gaps")
    empty_text = _("Every search in the last 30 days found something.")
    order = 60
    layout = "list"

    @classmethod
    def is_shown_to(cls, user) -> bool:
        return edits_content(user)

    def rows(self) -> list[PanelRow]:
        """One query: the searches that found nothing most often (30 days)."""
        gaps = (
            SearchQuery.objects.filter(created_at__gte=_since(), result_count=0)
            .exclude(query="")
            .values("query")
            .annotate(searches=Count("pk"), last=Max("created_at"))
            .order_by("-searches", "query")[:SHOWN]
        )
        search = reverse("knowledgebase:search")
        return [
            PanelRow(
                f"“{gap['query']}”",
                f"{search}?{urlencode({'q': gap['query']})}",
                gap["searches"],
                note=str(_("searches with no results")),
            )
            for gap in gaps
        ]

    def see_all(self):
        return reverse("kb_reports:no_results"), _("All searches with no results")


class DraftsReport(_KBReport):
    page_title = _("Knowledge base: drafts waiting for review")
    index_url_name = "kb_reports:drafts"
    index_results_url_name = "kb_reports:drafts_results"
    export_filename = "kb-drafts"
    columns = [
        TitleColumn("title", label=_("Article"), url_name="wagtailadmin_pages:edit"),
        Column("state", label=_("State"), accessor=draft_state),
        Column("owner", label=_("Owner")),
        DateColumn("latest_revision_created_at", label=_("Last edited")),
    ]
    list_export = ["title", "owner", "latest_revision_created_at"]

    def get_queryset(self):
        return drafts_to_review().select_related("owner")


PANELS = (KbDraftsPanel, ContentGapsPanel)
