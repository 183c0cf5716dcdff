"""One search over many sources.

A *search source* (knowledge-base articles now; forum threads and catalogue items later)
knows how to search its own objects for a user and turn them into ``SearchHit`` rows.
Sources register with ``register(source)`` (from their app's ``AppConfig.ready``); the
``/search/`` page, the click tracker and the API only talk to this registry, so a new source
plugs in without changes to the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from knowledgebase.text import QUERY_MAX_LENGTH, highlight, query_terms, snippet

if TYPE_CHECKING:
    from django.http import HttpRequest

MAX_TERMS = 12
# A source counts (and pages through) at most this many results; one more means "more than
# COUNT_CAP" (the page says so and suggests a filter). Twenty pages of ten are more than
# anyone reads, and counting every match of a common word is what made search slow.
COUNT_CAP = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(text: str) -> list[str]:
    """The words of ``text`` that go to the search backend (no operators or punctuation:
    nothing a visitor types can reach the FTS query syntax)."""
    return _WORD.findall((text or "")[: QUERY_MAX_LENGTH * 10].lower())


@dataclass(frozen=True)
class SearchParams:
    query: str
    category: int | None = None
    product: str | None = None
    source: str | None = None

    @property
    def backend_query(self) -> str:
        return " ".join(search_terms(self.query)[:MAX_TERMS])

    @property
    def filters(self) -> dict[str, str]:
        values = {"category": self.category, "product": self.product, "type": self.source}
        return {k: str(v) for k, v in values.items() if v}


@dataclass
class SearchHit:
    source: str
    object_id: str
    title: SafeString
    url: str
    snippet: SafeString
    type_label: str
    meta: list[str] = field(default_factory=list)


class SourceResults(Protocol):
    def count(self) -> int: ...
    def hits(self, start: int, stop: int) -> list[SearchHit]: ...


class SearchSource(Protocol):
    key: str
    label: str

    def search(self, params: SearchParams, *, request: HttpRequest) -> SourceResults: ...

    def url_for(self, object_id: str, *, request: HttpRequest) -> str | None:
        """The object's URL if ``request.user`` may see it, else None (click tracking)."""


_registry: dict[str, SearchSource] = {}


def register(source: SearchSource) -> SearchSource:
    _registry[source.key] = source
    return source


def sources() -> list[SearchSource]:
    return list(_registry.values())


def get_source(key: str) -> SearchSource | None:
    return _registry.get(key)


class CombinedResults(Sequence):
    """The sources' results one after another, sliceable and countable (for ``Paginator``);
    each source is counted once and only the requested slice is fetched."""

    def __init__(self, parts: list[SourceResults]):
        self.parts = parts
        self._counts: list[int] | None = None

    @property
    def raw_counts(self) -> list[int]:
        """Each source's count (``COUNT_CAP + 1`` when it stopped counting)."""
        if self._counts is None:
            self._counts = [part.count() for part in self.parts]
        return self._counts

    @property
    def counts(self) -> list[int]:
        """What each source contributes: at most ``COUNT_CAP`` results."""
        return [min(count, COUNT_CAP) for count in self.raw_counts]

    def __len__(self) -> int:
        return sum(self.counts)

    def count(self) -> int:  # Paginator prefers count()
        return len(self)

    @property
    def capped(self) -> bool:
        """True when a source stopped counting at ``COUNT_CAP`` (there are more)."""
        return any(count > COUNT_CAP for count in self.raw_counts)

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop if index.stop is not None else len(self)
        hits: list[SearchHit] = []
        offset = 0
        for part, size in zip(self.parts, self.counts, strict=True):
            lo, hi = max(start - offset, 0), min(stop - offset, size)
            if lo < hi:
                hits.extend(part.hits(lo, hi))
            offset += size
        return hits


def search(params: SearchParams, *, request: HttpRequest) -> CombinedResults:
    chosen = [s for s in sources() if params.source in (None, s.key)]
    if not params.backend_query:
        return CombinedResults([])
    return CombinedResults([source.search(params, request=request) for source in chosen])


def search_tolerant(
    params: SearchParams, *, request: HttpRequest
) -> tuple[CombinedResults, SearchParams | None]:
    """``search``; when it finds nothing, the same search with the query's typos corrected
    (``knowledgebase.spelling``). Returns the results and the corrected parameters (None when
    the original query's results are returned)."""
    from knowledgebase import spelling

    results = search(params, request=request)
    if not params.backend_query or len(results):
        return results, None
    fixed = spelling.correct(search_terms(params.query)[:MAX_TERMS], user=request.user)
    if fixed is None:
        return results, None
    retry = replace(params, query=" ".join(fixed))
    corrected = search(retry, request=request)
    return (corrected, retry) if len(corrected) else (results, None)


# --- the knowledge-base source ----------------------------------------------------------------
class _ArticleResults:
    def __init__(self, results, terms: list[str], request: HttpRequest):
        self.results, self.terms, self.request = results, terms, request
        self._count: int | None = None

    def count(self) -> int:
        """Exact up to ``COUNT_CAP``; ``COUNT_CAP + 1`` means "more than that"."""
        from knowledgebase.search_backend import capped_count

        if self._count is None:
            self._count = capped_count(self.results, COUNT_CAP)
        return self._count

    def hits(self, start: int, stop: int) -> list[SearchHit]:
        from knowledgebase.models import ArticlePage

        pages = list(self.results[start:stop])
        ArticlePage.objects.annotate_parent_page(pages)
        hits = []
        for page in pages:
            parent = getattr(page, "_parent_page", None)
            hits.append(
                SearchHit(
                    source=ArticleSource.key,
                    object_id=str(page.pk),
                    title=highlight(page.title, self.terms),
                    url=page.get_url(request=self.request) or "",
                    snippet=snippet(f"{page.summary} {page.body_text}", self.terms),
                    type_label=str(ArticleSource.label),
                    meta=[parent.title] if parent is not None else [],
                )
            )
        return hits


class ArticleSource:
    key = "kb"
    label = _("Article")

    def queryset(self, params: SearchParams, *, user, category: bool = True):
        """The articles ``user`` may read, filtered by product and (unless ``category`` is
        False: ``search`` puts the category into the full-text query instead) category."""
        from knowledgebase.models import ArticlePage

        articles = ArticlePage.objects.visible_to(user)
        if category and params.category:
            found = self.category(params)
            articles = articles.descendant_of(found) if found else articles.none()
        if params.product:
            through = ArticlePage.products.through
            articles = articles.filter(
                id__in=through.objects.filter(product__slug=params.product).values("articlepage_id")
            )
        return articles

    @staticmethod
    def category(params: SearchParams):
        from knowledgebase.models import CategoryPage

        return CategoryPage.objects.live().filter(pk=params.category).first()

    def search(self, params: SearchParams, *, request: HttpRequest) -> _ArticleResults:
        from modelsearch.query import And, PlainText

        from knowledgebase.models import category_key
        from knowledgebase.search_backend import capped_count

        articles = self.queryset(params, user=request.user, category=False)
        query = params.backend_query
        within = None
        if params.category:
            # "Below this category" is one more term of the query (``category_keys``): the
            # full-text index intersects it with the words, no path test per match.
            found = self.category(params)
            if found is None:
                articles = articles.none()
            else:
                within = PlainText(category_key(found.path))

        def backend_query(operator: str):
            words = PlainText(query, operator=operator)
            return And([words, within]) if within is not None else words

        results = articles.search(backend_query("and"), order_by_relevance=True)
        if len(query.split()) > 1 and not capped_count(results, 0):
            results = articles.search(backend_query("or"), order_by_relevance=True)
        return _ArticleResults(results, query_terms(query), request)

    def url_for(self, object_id: str, *, request: HttpRequest) -> str | None:
        from knowledgebase.models import ArticlePage

        if not str(object_id).isdigit():
            return None
        page = ArticlePage.objects.visible_to(request.user).filter(pk=int(object_id)).first()
        return page.get_url(request=request) if page else None


register(ArticleSource())
