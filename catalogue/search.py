"""Catalogue items in the one ``/search/`` (``knowledgebase.search`` source registry).

The catalogue is small (tens of items), so the source matches every search word against
name, short description and category with the ORM, among the items the user may request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from knowledgebase.search import SearchHit, SearchParams, register, search_terms
from knowledgebase.text import highlight, query_terms, snippet

if TYPE_CHECKING:
    from django.http import HttpRequest

MAX_WORDS = 8


def matching_items(user, text: str):
    from catalogue.models import CatalogueItem

    items = CatalogueItem.objects.requestable_by(user).select_related("category")
    for word in search_terms(text)[:MAX_WORDS]:
        items = items.filter(
            Q(name__icontains=word)
            | Q(short_description__icontains=word)
            | Q(category__name__icontains=word)
        )
    return items


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
                title=highlight(item.name, self.terms),
                url=item.get_absolute_url(),
                snippet=snippet(item.short_description, self.terms),
                type_label=str(CatalogueSource.label),
                meta=[item.category.name],
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
        terms = query_terms(params.backend_query)
        return _ItemResults(matching_items(request.user, params.backend_query), terms)

    def url_for(self, object_id: str, *, request: HttpRequest) -> str | None:
        from catalogue.models import CatalogueItem

        if not str(object_id).isdigit():
            return None
        item = CatalogueItem.objects.requestable_by(request.user).filter(pk=int(object_id)).first()
        return item.get_absolute_url() if item else None


def register_source() -> None:
    register(CatalogueSource())
