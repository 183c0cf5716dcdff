"""Wagtail's database search backend, with the ranking the help centre needs.

``WAGTAILSEARCH_BACKENDS["default"]["BACKEND"]`` points here. It returns Wagtail's own
backend for the database in use, with one change on SQLite:

- **SQLite (FTS5)**: the stock backend scores a row with ``bm25(table)``, which weighs every
  column the same, so a word in an article's title counted no more than the same word deep in
  its body. Here the title column (which also holds the article's tags, see
  ``ArticleTag.title``) weighs ``TITLE_WEIGHT`` times the body. The FTS table itself uses the
  Porter stemmer (migration ``knowledgebase/0003``): "cards" finds "card", "blocking" finds
  "block".
- **PostgreSQL**: the stock backend already ranks the title vector (title and tags) above the
  body (``ts_rank`` with weights, times the title-length norm) and stems with the database's
  text-search configuration (``english`` by default).

Typos are handled above the backend, the same way on both (``knowledgebase.spelling``).
"""

from __future__ import annotations

import functools

from django.db.models import FloatField, Func
from modelsearch.backends.database import SearchBackend as database_backend

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
        SQLiteSearchBackend,
        SQLiteSearchQueryCompiler,
    )

    class WeightedSQLiteQueryCompiler(SQLiteSearchQueryCompiler):
        def _build_rank_expression(self, vectors, config):
            # FTS5's bm25 scores every matched phrase over the whole row; one call with
            # column weights replaces the stock sum of unweighted calls times the title norm.
            return WeightedBM25()

    class WeightedSQLiteSearchBackend(SQLiteSearchBackend):
        query_compiler_class = WeightedSQLiteQueryCompiler

    return WeightedSQLiteSearchBackend


def SearchBackend(params):  # the name Wagtail looks up in a backend module
    backend = database_backend(params)
    if type(backend).__name__ == "SQLiteSearchBackend":
        return _weighted_sqlite_backend_class()(params)
    return backend
