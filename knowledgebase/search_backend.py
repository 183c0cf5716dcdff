"""Wagtail's database search backend, with the ranking the help centre needs.

``WAGTAILSEARCH_BACKENDS["default"]["BACKEND"]`` points here. It returns Wagtail's own
backend for the database in use, with one change on SQLite:

- **SQLite (FTS5)**: the stock backend scores a row with ``bm25(table)``, which weighs every
  column the same, so a word in an article's title counted no more than the same word deep in
  its body. Here the title column (which also holds the article's tags, see
  ``ArticleTag.title``) weighs ``TITLE_WEIGHT`` times the body. The FTS table itself uses the
  Porter stemmer (migration ``knowledgebase/0003``): "cards" finds "card", "blocking" finds
  "block".
- **PostgreSQL**: the stock backend ranks the title vector (title and tags) above the body
  (``ts_rank`` with weights, times the title-length norm) and stems with the database's
  text-search configuration (``english`` by default). Ranking is what costs: ``ts_rank`` reads
  every matching entry's body vector, 6,000 of them for a common word over 100,000 articles.
  Here results come in two tiers: entries whose *title* matches the query first, then the
  rest, each tier in the stock rank order (a title match already outranks a body-only match
  by far with the stock weights, so this rarely changes an order, and it makes the order
  predictable). When the title tier alone fills the requested page (the usual case for a
  common word), only title matches are ranked, found through the title's own GIN index.

**Languages** (issue 17): each article is indexed with its own language's stemming and stop
words, the language of its Wagtail locale (an alias page: its source's), and searched the same
way (``language_backend(language)``, ``query_words``):

- PostgreSQL: the entry's title and body vectors are built with the text-search configuration
  of the language (``english``, ``italian``: ``PG_CONFIGS``) and a search in a language builds
  its ``tsquery`` with the same configuration. Objects without a locale (forum threads) keep
  the backend's configuration, on both sides.
- SQLite: FTS5's Porter stemmer is English only, so the entries of Italian objects are stored
  as Snowball Italian stems without stop words (``knowledgebase.text.stemmed_text``) and an
  Italian query is stemmed the same way before it reaches FTS5 (whose Porter pass then changes
  both sides alike). "carta bloccata" and "Bloccare la carta" both become "blocc cart".

Typos are handled above the backend, the same way on both (``knowledgebase.spelling``).
"""

from __future__ import annotations

import copy
import functools
from collections import defaultdict

from django.db.models import BooleanField, Case, F, FloatField, Func, Value, When
from modelsearch.backends.database import SearchBackend as database_backend

from knowledgebase.text import DEFAULT_LANGUAGE, content_words, search_language, stemmed_text

PG_CONFIGS = {"en": "english", "it": "italian"}
TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0


class WeightedBM25(Func):
    """``bm25(fts_table, autocomplete, body, title)`` with per-column weights (FTS5 column
    order: autocomplete, body, title). Lower is better, as with the stock ``bm25()``."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, function=None, template=None):
        from modelsearch.backends.database.sqlite.query import SQLiteFTSIndexEntry

        table = SQLiteFTSIndexEntry._meta.db_table
        return f"bm25({table}, 0.0, {BODY_WEIGHT}, {TITLE_WEIGHT})", []


@functools.cache
def _weighted_sqlite_backend_class():
    # Imported here: the SQLite backend's modules only load on SQLite.
    from modelsearch.backends.database.sqlite.sqlite import (
        SQLiteIndex,
        SQLiteSearchBackend,
        SQLiteSearchQueryCompiler,
    )
    from modelsearch.utils import get_content_type_pk

    class WeightedSQLiteQueryCompiler(SQLiteSearchQueryCompiler):
        def _build_rank_expression(self, vectors, config):
            # FTS5's bm25 scores every matched phrase over the whole row; one call with
            # column weights replaces the stock sum of unweighted calls times the title norm.
            return WeightedBM25()

    class LanguageSQLiteIndex(SQLiteIndex):
        def add_items(self, model, objs):
            objs = list(objs)
            super().add_items(model, objs)
            other = [
                (obj, language)
                for obj, language in zip(objs, object_languages(objs), strict=True)
                if language not in (None, DEFAULT_LANGUAGE)
            ]
            if not other:
                return
            entries = self.entries.filter(content_type_id=get_content_type_pk(model))
            for obj, language in other:
                for entry in entries.filter(object_id=str(obj.pk)):
                    entries.filter(pk=entry.pk).update(
                        title=stemmed_text(entry.title, language),
                        body=stemmed_text(entry.body, language),
                    )

    class WeightedSQLiteSearchBackend(SQLiteSearchBackend):
        query_compiler_class = WeightedSQLiteQueryCompiler
        index_class = LanguageSQLiteIndex

        def for_language(self, language: str):
            return self

        def prepare_words(self, words: list[str], language: str) -> list[str]:
            words = content_words(words, language)
            if search_language(language) == DEFAULT_LANGUAGE:
                return words
            return [w for w in (stemmed_text(word, language) for word in words) if w]

    return WeightedSQLiteSearchBackend


@functools.cache
def _tiered_postgres_backend_class():
    # Imported here: the PostgreSQL backend's modules need psycopg.
    from modelsearch.backends.database.postgres.postgres import (
        PostgresIndex,
        PostgresSearchBackend,
        PostgresSearchQueryCompiler,
    )

    class TieredPostgresQueryCompiler(PostgresSearchQueryCompiler):
        def search(self, config, start, stop, score_field=None, backend=None):
            if not (self.order_by_relevance and self.fields is None and stop is not None):
                return super().search(config, start, stop, score_field, backend)
            try:
                search_query = self.build_tsquery(self.query, config=config)
            except NotImplementedError:  # MatchAll, Fuzzy: the stock path handles them
                return super().search(config, start, stop, score_field, backend)
            vectors = self.get_search_vectors(search_query)
            rank = self._build_rank_expression(vectors, config)
            in_title = self.queryset.annotate(_title_=F("index_entries__title")).filter(
                _title_=search_query
            )
            if in_title.order_by()[:stop].count() >= stop:
                # The page lies inside the title tier: rank title matches only.
                ranked = in_title.order_by(rank.desc(), "-pk")
                if score_field is not None:
                    ranked = ranked.annotate(**{score_field: rank})
                return ranked[start:stop]
            combined = vectors[0][0]
            for vector, _boost in vectors[1:]:
                combined = combined._combine(vector, "||", False)
            title_first = Case(
                When(index_entries__title=search_query, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
            ranked = (
                self.queryset.annotate(_vector_=combined)
                .filter(_vector_=search_query)
                .order_by(title_first.desc(), rank.desc(), "-pk")
            )
            if score_field is not None:
                ranked = ranked.annotate(**{score_field: rank})
            return ranked[start:stop]

    class LanguagePostgresIndex(PostgresIndex):
        def add_items(self, model, objs):
            objs = list(objs)
            groups = defaultdict(list)
            for obj, language in zip(objs, object_languages(objs), strict=True):
                groups[language].append(obj)
            for language, group in groups.items():
                backend = self.backend if language is None else self.backend.for_language(language)
                PostgresIndex.add_items(PostgresIndex(backend), model, group)

    class TieredPostgresSearchBackend(PostgresSearchBackend):
        query_compiler_class = TieredPostgresQueryCompiler
        index_class = LanguagePostgresIndex

        def for_language(self, language: str):
            """This backend with ``language``'s text-search configuration (cached)."""
            config = PG_CONFIGS[search_language(language)]
            if self.config == config:
                return self
            cached = self.__dict__.setdefault("_by_config", {})
            if config not in cached:
                twin = copy.copy(self)
                twin.__dict__ = {k: v for k, v in self.__dict__.items() if k != "_by_config"}
                twin.config = config
                cached[config] = twin
            return cached[config]

        def prepare_words(self, words: list[str], language: str) -> list[str]:
            return content_words(words, language)

    return TieredPostgresSearchBackend


def SearchBackend(params):  # the name Wagtail looks up in a backend module
    backend = database_backend(params)
    if type(backend).__name__ == "SQLiteSearchBackend":
        return _weighted_sqlite_backend_class()(params)
    if type(backend).__name__ == "PostgresSearchBackend":
        return _tiered_postgres_backend_class()(params)
    return backend


def object_languages(objs) -> list[str | None]:
    """The content language of each object: its Wagtail locale's (an alias page shows its
    source's content: the source's locale), None for objects without a locale."""
    from wagtail.models import Locale, Page

    if not any(hasattr(obj, "locale_id") for obj in objs):
        return [None] * len(objs)
    locales = Locale.objects.values_list("pk", "language_code")
    codes = {pk: search_language(code) for pk, code in locales}
    alias_ids = {obj.alias_of_id for obj in objs if getattr(obj, "alias_of_id", None)}
    alias_locales = (
        dict(Page.objects.filter(pk__in=alias_ids).values_list("pk", "locale_id"))
        if alias_ids
        else {}
    )
    languages: list[str | None] = []
    for obj in objs:
        locale_id = getattr(obj, "locale_id", None)
        if getattr(obj, "alias_of_id", None):
            locale_id = alias_locales.get(obj.alias_of_id, locale_id)
        languages.append(codes.get(locale_id) if locale_id is not None else None)
    return languages


def language_backend(language: str):
    """The search backend searching in ``language`` (its stemming and stop words)."""
    from wagtail.search.backends import get_search_backend

    backend = get_search_backend()
    for_language = getattr(backend, "for_language", None)
    return for_language(language) if for_language else backend


def query_words(backend, words: list[str], language: str) -> list[str]:
    """``words`` as ``backend`` must receive them for a search in ``language``: without stop
    words, and on SQLite stemmed like the index for languages other than English."""
    prepare = getattr(backend, "prepare_words", None)
    return prepare(words, language) if prepare else content_words(words, language)


def capped_count(results, cap: int) -> int:
    """How many ``results`` there are, counting no further than ``cap + 1``.

    On PostgreSQL the stock count joins every match to its page to apply the audience
    filter: 6,000 joins for a common word over 100,000 articles. Nobody pages through
    thousands of results, so the count stops at ``cap + 1`` ("more than 200" on the search
    page) and the query stops as soon as it has that many. It runs without the relevance
    ordering, as the stock count does. SQLite's FTS5 count is exact and cheap at the sizes
    SQLite serves: it is returned as it is.
    """
    from modelsearch.backends.database.postgres.postgres import PostgresSearchResults

    if not isinstance(results, PostgresSearchResults):
        return results.count()
    compiler = results.query_compiler
    matches = compiler.search(compiler.get_config(results.backend), 0, None).order_by()
    return matches[: cap + 1].count()
