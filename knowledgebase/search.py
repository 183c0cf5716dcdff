"""One search over many sources.

A *search source* (knowledge-base articles now; forum threads and catalogue items later)
knows how to search its own objects for a user and turn them into ``SearchHit`` rows.
Sources register with ``register(source)`` (from their app's ``AppConfig.ready``); the
``/search/`` page, the click tracker and the API only talk to this registry, so a new source
plugs in without changes to the page.

Languages (issue 17): a search runs in the visitor's language (the active one, from the URL).
Articles in that language come first; then, marked with their language, articles in another
language that have no translation in the visitor's language (never both copies of one
article; alias pages, which show another page's content, never). Each tier is searched with
its own language's stemming and stop words (``knowledgebase.search_backend``).

Typos (``search_tolerant``): each word not in the visitor's vocabulary is corrected
(``knowledgebase.spelling``) and the corrected query searched too. The correction replaces the
results ("Showing results for ...") when the query found nothing, found only some of its words
(the any-word fallback) where the correction finds all of them, or found less than a third as
much; otherwise the page offers it ("Did you mean ...?").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NamedTuple, Protocol

from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from knowledgebase.text import (
    QUERY_MAX_LENGTH,
    content_words,
    highlight,
    highlight_terms,
    query_terms,
    search_language,
    snippet,
    stem,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

MAX_TERMS = 12
# A source counts (and pages through) at most this many results; one more means "more than
# COUNT_CAP" (the page says so and suggests a filter). Twenty pages of ten are more than
# anyone reads, and counting every match of a common word is what made search slow.
COUNT_CAP = 200
# Another language's articles come after the visitor's only when they have no translation in
# it; their ids are listed once per publish (cached). Past this many, a subquery instead.
UNTRANSLATED_LIST_MAX = 2000
CLEARLY_MORE = 3  # the corrected query replaces the results when it finds 3x as many
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
    language: str = ""  # the visitor's language; empty: the active one

    @property
    def lang(self) -> str:
        return search_language(self.language or translation.get_language())

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
    language: str = ""  # set when the hit is not in the visitor's language

    @property
    def language_name(self) -> str:
        if not self.language:
            return ""
        return translation.get_language_info(self.language)["name_local"]


class SourceResults(Protocol):
    """A source's results. ``matched_all`` (optional, default True) is False when they match
    only some words of the query (an any-word fallback)."""

    def count(self) -> int: ...
    def hits(self, start: int, stop: int) -> list[SearchHit]: ...


class EmptyResults:
    matched_all = True

    def count(self) -> int:
        return 0

    def hits(self, start: int, stop: int) -> list[SearchHit]:
        return []


class ChainedResults:
    """Several results of one source one after another (the visitor's language first)."""

    def __init__(self, parts: list[SourceResults]):
        self.parts = parts

    @property
    def matched_all(self) -> bool:
        return any(getattr(p, "matched_all", True) and p.count() for p in self.parts)

    def count(self) -> int:
        total = sum(min(part.count(), COUNT_CAP) for part in self.parts)
        capped = any(part.count() > COUNT_CAP for part in self.parts)
        return COUNT_CAP + 1 if capped or total > COUNT_CAP else total

    def hits(self, start: int, stop: int) -> list[SearchHit]:
        hits: list[SearchHit] = []
        offset = 0
        for part in self.parts:
            size = min(part.count(), COUNT_CAP)
            lo, hi = max(start - offset, 0), min(stop - offset, size)
            if lo < hi:
                hits.extend(part.hits(lo, hi))
            offset += size
        return hits


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

    @property
    def full_match(self) -> bool:
        """True when a source found results that match every word of the query (a source's
        any-word fallback is not counted for this: no need to count it)."""
        return any(getattr(part, "matched_all", True) and part.count() for part in self.parts)

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


class TolerantResults(NamedTuple):
    results: CombinedResults
    corrected: SearchParams | None  # the results are the corrected query's ("Showing ...")
    suggestion: SearchParams | None  # the results are the query's; "Did you mean ...?"


def clearly_better(original: CombinedResults, corrected: CombinedResults) -> bool:
    """The rule for replacing a query's results by its corrected query's: the correction
    finds something, and the query found nothing, or nothing with all its words where the
    correction does, or less than a third as much. (In that order: a query that matches no
    source with all its words is never counted in full.)"""
    if not len(corrected):
        return False
    if not original.full_match:
        return corrected.full_match or not len(original)
    return len(corrected) >= CLEARLY_MORE * len(original)


def search_tolerant(
    params: SearchParams, *, request: HttpRequest, correct: bool = True
) -> TolerantResults:
    """``search``, and the same search with the query's typos corrected
    (``knowledgebase.spelling``, in the visitor's language) when a word is unknown: the
    corrected results when they are ``clearly_better``, else the query's with the correction
    as a suggestion. ``correct=False``: the query as typed ("search instead for ...")."""
    from knowledgebase import spelling

    results = search(params, request=request)
    if not params.backend_query or not correct:
        return TolerantResults(results, None, None)
    fixed = spelling.correct(
        search_terms(params.query)[:MAX_TERMS], user=request.user, language=params.lang
    )
    if fixed is None:
        return TolerantResults(results, None, None)
    retry = replace(params, query=" ".join(fixed))
    corrected = search(retry, request=request)
    if clearly_better(results, corrected):
        return TolerantResults(corrected, retry, None)
    if len(corrected):
        return TolerantResults(results, None, retry)
    return TolerantResults(results, None, None)


# --- languages --------------------------------------------------------------------------------
def _locales_by_language() -> dict[str, list[int]]:
    from wagtail.models import Locale

    by_language: dict[str, list[int]] = {}
    for pk, code in Locale.objects.values_list("pk", "language_code"):
        by_language.setdefault(search_language(code), []).append(pk)
    return by_language


def _per_request(request: HttpRequest, key: tuple, build):
    """``build()``, once per request and ``key``: a misspelled query is searched twice (as
    typed and corrected) over the same articles, tiers and permissions."""
    memo = request.__dict__.setdefault("_kb_search_memo", {})
    if key not in memo:
        memo[key] = build()
    return memo[key]


def in_language(pages, language: str):
    """``pages`` in ``language``'s locales; all of them on a site with one language."""
    by_language = _locales_by_language()
    if len(by_language) < 2:
        return pages
    return pages.filter(locale_id__in=by_language.get(search_language(language), []))


def language_tiers(articles, language: str, *, user) -> list[tuple[object, str]]:
    """``articles`` (visible, no aliases) split by language: the visitor's first, then each
    other language's articles that have no translation the visitor may read in theirs."""
    by_language = _locales_by_language()
    language = search_language(language)
    if len(by_language) < 2:
        only = next(iter(by_language), language)
        return [(articles, only)]
    tiers = [(articles.filter(locale_id__in=by_language.get(language, [])), language)]
    for other, locale_ids in by_language.items():
        if other == language:
            continue
        ids = untranslated_ids(user, visitor=language, other=other)
        if ids is None:  # too many to list
            mine = _readable(user).filter(locale_id__in=by_language.get(language, []))
            tier = articles.filter(locale_id__in=locale_ids).exclude(
                translation_key__in=mine.values("translation_key")
            )
        else:
            tier = articles.filter(pk__in=ids) if ids else articles.none()
        tiers.append((tier, other))
    return tiers


def without_aliases(pages):
    """``pages`` without alias pages (they show another page's content, found as itself).
    By primary key: the search backends filter only on indexed filter fields."""
    from wagtail.models import Page

    return pages.exclude(pk__in=Page.objects.filter(alias_of__isnull=False).values("pk"))


def _readable(user):
    from knowledgebase.models import ArticlePage

    return ArticlePage.objects.visible_to(user).filter(alias_of__isnull=True)


def untranslated_ids(user, *, visitor: str, other: str) -> list[int] | None:
    """Ids of the articles in ``other`` that ``user`` may read and that have no readable
    translation in ``visitor``'s language (None: more than ``UNTRANSLATED_LIST_MAX``).
    Cached until the next publish."""
    from django.core.cache import cache

    from knowledgebase.models import audiences_for
    from knowledgebase.spelling import content_version

    audiences = ",".join(sorted(audiences_for(user)))
    key = f"kb:untranslated:{content_version()}:{visitor}:{other}:{audiences}"
    cached = cache.get(key)
    if cached is not None:
        return None if cached == "many" else cached
    by_language = _locales_by_language()
    mine = _readable(user).filter(locale_id__in=by_language.get(visitor, []))
    ids = list(
        _readable(user)
        .filter(locale_id__in=by_language.get(other, []))
        .exclude(translation_key__in=mine.values("translation_key"))
        .order_by("pk")
        .values_list("pk", flat=True)[: UNTRANSLATED_LIST_MAX + 1]
    )
    many = len(ids) > UNTRANSLATED_LIST_MAX
    cache.set(key, "many" if many else ids, 6 * 60 * 60)
    return None if many else ids


# --- the knowledge-base source ----------------------------------------------------------------
class _ArticleResults:
    def __init__(
        self,
        results,
        terms: list[str],
        request: HttpRequest,
        *,
        language: str = "",
        matched_all: bool = True,
    ):
        self.results, self.terms, self.request = results, terms, request
        self.language, self.matched_all = language, matched_all
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
                    language=self.language,
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

    def search(self, params: SearchParams, *, request: HttpRequest) -> SourceResults:
        from modelsearch.query import PlainText

        from knowledgebase.models import category_key

        user = request.user
        articles = _per_request(
            request,
            ("articles", params.product),
            lambda: without_aliases(self.queryset(params, user=user, category=False)),
        )
        within = None
        if params.category:
            # "Below this category" is one more term of the query (``category_keys``): the
            # full-text index intersects it with the words, no path test per match.
            found = self.category(params)
            if found is None:
                return EmptyResults()
            within = PlainText(category_key(found.path))
        visitor = params.lang
        tiers = _per_request(
            request,
            ("tiers", params.product, visitor),
            lambda: language_tiers(articles, visitor, user=user),
        )
        parts = [
            self._search_tier(tier, language, params, within, request, marked=language != visitor)
            for tier, language in tiers
        ]
        return parts[0] if len(parts) == 1 else ChainedResults(parts)

    @staticmethod
    def _search_tier(articles, language, params, within, request, *, marked: bool):
        from modelsearch.query import And, PlainText

        from knowledgebase.search_backend import capped_count, language_backend, query_words

        backend = language_backend(language)
        words = query_words(backend, search_terms(params.query)[:MAX_TERMS], language)
        if not words:
            return EmptyResults()
        query = " ".join(words)

        def backend_query(operator: str):
            found = PlainText(query, operator=operator)
            return And([found, within]) if within is not None else found

        results = backend.search(backend_query("and"), articles, order_by_relevance=True)
        matched_all, count = True, None
        if len(words) > 1:
            # Counted once here (the page needs the count anyway); none: any word may match.
            count = capped_count(results, COUNT_CAP)
            if not count:
                results = backend.search(backend_query("or"), articles, order_by_relevance=True)
                matched_all, count = False, None
        terms = highlight_terms(query_terms(params.backend_query), language)
        found = _ArticleResults(
            results,
            terms,
            request,
            language=language if marked else "",
            matched_all=matched_all,
        )
        found._count = count
        return found

    def url_for(self, object_id: str, *, request: HttpRequest) -> str | None:
        from knowledgebase.models import ArticlePage

        if not str(object_id).isdigit():
            return None
        page = ArticlePage.objects.visible_to(request.user).filter(pk=int(object_id)).first()
        return page.get_url(request=request) if page else None


register(ArticleSource())


# --- suggestions ------------------------------------------------------------------------------
def suggest_titles(text: str, *, user, language: str, limit: int = 6) -> list:
    """Articles whose title or summary begins with the words typed so far (the last one as a
    prefix), in the visitor's language; when none does, the same with each word corrected by
    the vocabulary, the last one completed with up to one typo ("paswo" -> "password")."""
    from knowledgebase import spelling
    from knowledgebase.models import ArticlePage, audiences_for

    terms = search_terms(text)[:6]
    if not terms or len(" ".join(terms)) < 2:
        return []
    articles = without_aliases(in_language(ArticlePage.objects.visible_to(user), language))
    found = list(articles.autocomplete(" ".join(terms))[:limit])
    if found:
        return found
    vocab = spelling.vocabulary(audiences_for(user), language)
    *head, last = terms
    fixed = [vocab.closest(w) or w for w in head]
    fixed.append(vocab.closest(last) or vocab.complete(last) or last)
    if fixed == terms:
        return []
    return list(articles.autocomplete(" ".join(fixed))[:limit])


# Article suggestions while a customer writes a ticket: an article is shown only when it is
# about the text: at least two of the text's words (stemmed; one when the text has one) in the
# article, one of them at least in its title or tags. Unrelated text shows nothing rather than
# the nearest articles, and "card payment declined" does not bring "Block your card".
SUGGEST_MIN_TITLE_WORDS = 1
SUGGEST_MIN_WORDS = 2
SUGGEST_CANDIDATES = 20


def _stems(text: str, language: str) -> set[str]:
    return {stem(w, language) for w in content_words(search_terms(text), language)}


def relevant_articles(text: str, *, user, language: str, limit: int = 5) -> list:
    """Articles that may answer ``text`` (a ticket's subject and description), best first,
    among those ``user`` may read in ``language`` (any word may match, typos corrected), only
    those that reach the minimum relevance above."""
    from knowledgebase import spelling
    from knowledgebase.models import ArticlePage
    from knowledgebase.search_backend import language_backend, query_words

    words = list(dict.fromkeys(search_terms(text)))[:32]
    language = search_language(language)
    if not content_words(words, language):
        return []
    fixed = spelling.correct(words, user=user, language=language)
    words = fixed or words
    readable = without_aliases(ArticlePage.objects.visible_to(user))
    tiers = language_tiers(readable, language, user=user)
    wanted = _stems(" ".join(words), language)
    chosen = []
    for articles, tier_language in tiers:
        backend = language_backend(tier_language)
        query = query_words(backend, words, tier_language)
        if not query:
            continue
        results = backend.search(" ".join(query), articles, operator="or", order_by_relevance=True)
        candidates = list(results[:SUGGEST_CANDIDATES])
        tags: dict[int, list[str]] = {}
        through = ArticlePage.tags.through
        rows = through.objects.filter(content_object__in=[a.pk for a in candidates])
        for page_id, name in rows.values_list("content_object_id", "tag__name"):
            tags.setdefault(page_id, []).append(name)
        stems = wanted if tier_language == language else _stems(" ".join(words), tier_language)
        for article in candidates:
            title = _stems(f"{article.title} {' '.join(tags.get(article.pk, []))}", tier_language)
            body = _stems(f"{article.summary} {article.body_text}", tier_language)
            matched = stems & (title | body)
            if len(stems & title) >= SUGGEST_MIN_TITLE_WORDS and len(matched) >= min(
                SUGGEST_MIN_WORDS, len(stems)
            ):
                chosen.append(article)
    return chosen[: max(1, min(limit, 20))]
