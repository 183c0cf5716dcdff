"""Catalogue items in the one ``/search/`` (``knowledgebase.search`` source registry).

The catalogue is small (tens of items), so the source matches in Python, among the items the
user may request: every content word of the query (stop words of the visitor's language left
out) must be in the item's name, short description or category, in the visitor's language
(``portal.i18n``: the Italian columns, English where they are empty) or in English, as a
word with the same stem ("carte" finds "Bloccare la carta") or as a part of a word ("pass"
finds "password"). Typos are corrected once for every source (``search_tolerant``); item
names and descriptions feed that vocabulary (``vocabulary_texts``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from knowledgebase.search import SearchHit, SearchParams, register, search_terms
from knowledgebase.text import (
    content_words,
    highlight,
    highlight_terms,
    query_terms,
    search_language,
    snippet,
    stem,
)
from portal.i18n import source_language, translated

if TYPE_CHECKING:
    from django.http import HttpRequest

MAX_WORDS = 8


def _texts(item, language: str) -> list[tuple[str, str]]:
    """(text, language) pairs to match: the item in ``language`` and in the source."""
    fields = [
        (item, "name"),
        (item, "short_description"),
        (item.category, "name"),
    ]
    source = search_language(source_language())
    pairs = [(" ".join(str(translated(o, f, language)) for o, f in fields), language)]
    if language != source:
        pairs.append((" ".join(str(getattr(o, f)) for o, f in fields), source))
    return pairs


def _word_matches(word: str, texts: list[tuple[str, str]]) -> bool:
    for text, language in texts:
        lower = text.lower()
        if word in lower:
            return True
        root = stem(word, language)
        if any(stem(w, language) == root for w in search_terms(lower)):
            return True
    return False


def matching_items(user, text: str, language: str | None = None):
    """The items ``user`` may request that match every content word of ``text``, name
    matches first (a queryset, for the catalogue page and the search source)."""
    from django.utils import translation

    from catalogue.models import CatalogueItem

    language = search_language(language or translation.get_language())
    items = CatalogueItem.objects.requestable_by(user).select_related("category")
    words = content_words(search_terms(text)[:MAX_WORDS], language)
    if not words:
        return items.none()
    ranked: list[tuple[int, int]] = []
    for item in items:
        texts = _texts(item, language)
        if all(_word_matches(word, texts) for word in words):
            name = [(str(translated(item, "name", language)), language), (item.name, "en")]
            in_name = sum(1 for word in words if _word_matches(word, name))
            ranked.append((item.pk, in_name))
    if not ranked:
        return items.none()
    order = Case(
        *[When(pk=pk, then=Value(-in_name)) for pk, in_name in ranked],
        output_field=IntegerField(),
    )
    return items.filter(pk__in=[pk for pk, _n in ranked]).order_by(order, "name")


class _ItemResults:
    def __init__(self, items, terms: list[str]) -> None:
        self.items, self.terms = items, terms
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.items.count()
        return self._count

    def hits(self, start: int, stop: int) -> list[SearchHit]:
        return [
            SearchHit(
                source=CatalogueSource.key,
                object_id=str(item.pk),
                title=highlight(str(item.tr.name), self.terms),
                url=item.get_absolute_url(),
                snippet=snippet(str(item.tr.short_description), self.terms),
                type_label=str(CatalogueSource.label),
                meta=[str(item.category.tr.name)],
            )
            for item in self.items[start:stop]
        ]


class CatalogueSource:
    key = "catalogue"
    label = _("Service")

    def search(self, params: SearchParams, *, request: HttpRequest) -> _ItemResults:
        if params.category or params.product:
            from catalogue.models import CatalogueItem

            return _ItemResults(CatalogueItem.objects.none(), [])
        language = params.lang
        terms = highlight_terms(query_terms(params.backend_query), language)
        items = matching_items(request.user, params.backend_query, language)
        return _ItemResults(items, terms)

    @staticmethod
    def vocabulary_texts(*, language: str, audiences: list[str]) -> list[str]:
        """Names and short descriptions of the active items for every customer, in
        ``language`` (words for the spelling correction of signed-in customers' searches)."""
        from catalogue.models import Audience, CatalogueItem

        if "customers" not in audiences:
            return []
        items = CatalogueItem.objects.active().filter(audience=Audience.ANY_CUSTOMER)
        return [
            " ".join(str(translated(item, f, language)) for f in ("name", "short_description"))
            for item in items
        ]

    def url_for(self, object_id: str, *, request: HttpRequest) -> str | None:
        from catalogue.models import CatalogueItem

        if not str(object_id).isdigit():
            return None
        item = CatalogueItem.objects.requestable_by(request.user).filter(pk=int(object_id)).first()
        return item.get_absolute_url() if item else None


def register_source() -> None:
    register(CatalogueSource())
