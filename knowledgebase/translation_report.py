"""The editors' translation report (Reports menu, "KB: translations"; issue 17).

One row per help-centre page of the source language (English: the index, categories and
articles, drafts included), one column per other content language, each cell one of:

- **translated**: the language's tree holds a real page for it, up to date;
- **missing**: no page, an alias showing the English text (``knowledgebase.translation``), or
  a translation not published yet;
- **out of date**: the English page was published after the translation was last published
  (its first publication excepted: a page translated while still a draft, as the demo does,
  is published with the content the translation was made from), or (translations made in
  wagtail-localize's editor) its strings were synced from a newer English version and some
  are not translated yet.

Each cell links to what to do next: translate (wagtail-localize's "Translate this page"), or
edit the translation (wagtail-localize's editor, or the page editor for a translation made
outside it). ``?status=missing|outdated|translated`` keeps the rows with that status in some
language; the CSV/XLSX export has the same columns.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.models import Locale, Page
from wagtail_localize.models import StringSegment, StringTranslation, Translation

from knowledgebase.models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage
from knowledgebase.translation import content_languages, locale_for, source_language
from portal.admin_reports import AdminReportView

TRANSLATED, MISSING, OUTDATED = "translated", "missing", "outdated"
STATUS_LABELS = {
    TRANSLATED: _("Translated"),
    MISSING: _("Missing"),
    OUTDATED: _("Out of date"),
}


def target_languages() -> list[str]:
    return [code for code in content_languages() if code != source_language()]


def _status_expression(locale: Locale):
    """The status of the page's version in ``locale`` (see the module docstring), and the
    annotations it needs, for a queryset of source-language pages."""
    version = Page.objects.filter(translation_key=OuterRef("translation_key"), locale=locale)
    managed = Translation.objects.filter(
        source__object_id=OuterRef("translation_key"),
        source__locale_id=OuterRef("locale_id"),
        target_locale=locale,
        enabled=True,
    )
    untranslated = StringSegment.objects.filter(
        source__object_id=OuterRef("translation_key"),
        source__locale_id=OuterRef("locale_id"),
        source__translations__target_locale=locale,
        source__translations__enabled=True,
    ).exclude(
        Exists(
            StringTranslation.objects.filter(
                translation_of_id=OuterRef("string_id"),
                context_id=OuterRef("context_id"),
                locale=locale,
                has_error=False,
            )
        )
    )
    code = locale.language_code
    annotations = {
        f"tr_{code}_id": Subquery(version.values("pk")[:1]),
        f"tr_{code}_alias": Subquery(version.values("alias_of_id")[:1]),
        f"tr_{code}_live": Subquery(version.values("live")[:1]),
        f"tr_{code}_published": Subquery(version.values("last_published_at")[:1]),
        f"tr_{code}_managed": Exists(managed),
        f"tr_{code}_synced": Subquery(managed.values("source__last_updated_at")[:1]),
        f"tr_{code}_source": Subquery(managed.values("source_id")[:1]),
    }
    status = Case(
        When(
            Q(**{f"tr_{code}_id__isnull": True})
            | Q(**{f"tr_{code}_alias__isnull": False})
            | Q(**{f"tr_{code}_live": False}),
            then=Value(MISSING),
        ),
        When(
            Q(last_published_at__gt=F(f"tr_{code}_published"))
            & ~Q(first_published_at=F("last_published_at"))
            | Q(**{f"tr_{code}_managed": True}, last_published_at__gt=F(f"tr_{code}_synced"))
            | Q(Exists(untranslated)),
            then=Value(OUTDATED),
        ),
        default=Value(TRANSLATED),
    )
    return annotations, status


def translation_status_queryset():
    """Source-language help-centre pages with ``status_<lang>`` and ``tr_<lang>_id`` for each
    other content language."""
    source = locale_for(source_language())
    pages = Page.objects.filter(locale=source, alias_of__isnull=True).type(
        KnowledgeBaseIndexPage, CategoryPage, ArticlePage
    )
    for code in target_languages():
        locale = locale_for(code)
        if locale is None:
            pages = pages.annotate(
                **{f"tr_{code}_id": Value(None), f"status_{code}": Value(MISSING)}
            )
            continue
        annotations, status = _status_expression(locale)
        pages = pages.annotate(**annotations).annotate(**{f"status_{code}": status})
    return pages.select_related("content_type").order_by("path")


class StatusColumn(Column):
    """One language's status with the link to act on it."""

    cell_template_name = "knowledgebase/admin/translation_status_cell.html"

    def __init__(self, language: str, **kwargs):
        self.language = language
        super().__init__(f"status_{language}", **kwargs)

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        status = getattr(instance, f"status_{self.language}")
        target = getattr(instance, f"tr_{self.language}_id", None)
        alias = getattr(instance, f"tr_{self.language}_alias", None)
        if target is None or alias is not None:
            url = reverse("wagtail_localize:submit_page_translation", args=[instance.pk])
            action = _("Translate")
        else:
            url = reverse("wagtailadmin_pages:edit", args=[target])
            action = _("Update the translation") if status == OUTDATED else _("Edit")
        source = getattr(instance, f"tr_{self.language}_source", None)
        sync_url = (
            reverse("wagtail_localize:update_translations", args=[source])
            if status == OUTDATED and source is not None
            else ""
        )
        context.update(
            status=status,
            status_label=STATUS_LABELS[status],
            url=url,
            action=action,
            sync_url=sync_url,
        )
        return context


class TranslationStatusFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status in some language"),
        choices=list(STATUS_LABELS.items()),
        method="filter_status",
        empty_label=_("Any"),
    )

    def filter_status(self, queryset, name, value):
        condition = Q()
        for code in target_languages():
            condition |= Q(**{f"status_{code}": value})
        return queryset.filter(condition)

    class Meta:
        model = Page
        fields: list[str] = []


class TranslationStatusReport(AdminReportView):
    page_title = _("Knowledge base: translations")
    header_icon = "globe"
    paginate_by = 50
    index_url_name = "kb_reports:translations"
    index_results_url_name = "kb_reports:translations_results"
    export_filename = "kb-translations"
    filterset_class = TranslationStatusFilterSet

    @property
    def columns(self):
        names = dict(settings.LANGUAGES)
        return [
            TitleColumn("title", label=_("Page (English)"), url_name="wagtailadmin_pages:edit"),
            Column("kind", label=_("Type"), accessor="page_kind"),
            *[StatusColumn(code, label=names.get(code, code)) for code in target_languages()],
        ]

    @property
    def list_export(self):
        return ["title", "page_kind", *[f"status_{code}" for code in target_languages()]]

    @property
    def export_headings(self):
        return {"page_kind": _("Type")}

    def get_queryset(self):
        return translation_status_queryset()

    def decorate_paginated_queryset(self, object_list):
        for page in object_list:
            page.page_kind = str(page.content_type.model_class()._meta.verbose_name)
        return object_list

    def as_spreadsheet(self, queryset, spreadsheet_format):
        return super().as_spreadsheet(
            self.decorate_paginated_queryset(list(queryset)), spreadsheet_format
        )
