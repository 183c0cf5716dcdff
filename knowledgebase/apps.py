from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _content_changed(sender, **kwargs) -> None:
    from knowledgebase import spelling

    spelling.content_changed()


def _pages_changed(sender, **kwargs) -> None:
    from portal.pagecache import page_cache_clear

    page_cache_clear()


def _mirror_translations(sender, instance, **kwargs) -> None:
    from knowledgebase.translation import mirror_page

    mirror_page(instance)


def _keep_audience(sender, instance, **kwargs) -> None:
    from knowledgebase.translation import keep_audience

    keep_audience(instance)


def _page_moved(sender, instance, **kwargs) -> None:
    from knowledgebase.services import articles_reindex_below

    articles_reindex_below(instance)


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    verbose_name = _("Knowledge base")
    periodic_tasks = ("knowledgebase.tasks.kb_tick_task",)
    demo_seed = "knowledgebase.demo.seed"
    demo_label = "knowledge-base articles created"  # seed_demo prints "<label>: <count>"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wagtail.signals import page_published, page_unpublished, post_page_move

        # Framework signals: a publish or unpublish changes what search may suggest.
        page_published.connect(_content_changed, dispatch_uid="kb-content-published")
        page_unpublished.connect(_content_changed, dispatch_uid="kb-content-unpublished")
        # ... and what visitors may be served from the page cache.
        page_published.connect(_pages_changed, dispatch_uid="kb-pages-published")
        page_unpublished.connect(_pages_changed, dispatch_uid="kb-pages-unpublished")
        # A published English page gets an alias in every other language (issue 17).
        page_published.connect(_mirror_translations, dispatch_uid="kb-mirror-translations")
        # ... and every version of an article has its English source's audience.
        page_published.connect(_keep_audience, dispatch_uid="kb-keep-audience")
        # A move changes the categories an article is found under in search.
        post_page_move.connect(_page_moved, dispatch_uid="kb-page-moved")
