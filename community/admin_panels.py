"""Community answers promoted to knowledge-base drafts, on the Wagtail dashboard (editors):
the drafts nobody has published yet, each linking to its page editor and its thread."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from community.models import Thread
from portal.admin_panels import DashboardPanel, PanelRow, edits_content

SHOWN = 5


class PromotedAnswersPanel(DashboardPanel):
    panel_id = "support-promoted-answers"
    heading = _("Community answers to publish")
    empty_text = _("No promoted community answer is waiting.")
    order = 45
    layout = "list"

    @classmethod
    def is_shown_to(cls, user) -> bool:
        return edits_content(user)

    def rows(self) -> list[PanelRow]:
        """Two queries: the count and the first few, each with its article."""
        waiting = Thread.objects.filter(
            kb_article__isnull=False, kb_article__has_unpublished_changes=True
        )
        self.total = waiting.count()
        threads = (
            waiting.select_related("kb_article")
            .only("id", "title", "kb_article__id", "kb_article__title")
            .order_by("-kb_article__latest_revision_created_at", "-pk")[:SHOWN]
        )
        return [
            PanelRow(
                thread.kb_article.title,
                reverse("wagtailadmin_pages:edit", args=[thread.kb_article.pk]),
                note=str(_("From the thread “%(title)s”")) % {"title": thread.title},
            )
            for thread in threads
        ]

    def see_all(self):
        if not getattr(self, "total", 0):
            return None
        return reverse("kb_reports:drafts"), _("All drafts (%(count)d from the community)") % {
            "count": self.total
        }


PANELS = (PromotedAnswersPanel,)
