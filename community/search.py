"""Forum threads in the site search (``knowledgebase.search`` registry), the API's ``?q=`` and
the "similar questions" suggestions on the ask page: full-text search with Wagtail's search
backend (the same one as the help centre: SQLite FTS5 with the Porter stemmer in tests and the
embedded set-up, PostgreSQL full text in production, OpenSearch when configured).

- **What is indexed** (``Thread.search_fields``): the title, boosted, and the plain text of the
  thread's published posts (question first). The index entry is written by the services
  (``thread_reindex``) when a thread is asked, answered, edited, moderated, moved, merged or
  deleted, in the same transaction: no signals.
- **Who sees what**: the backend only ranks; every query runs over
  ``Thread.objects.visible_to(user).listed()`` (joined by primary key, so the one visibility
  rule of ``community.models`` applies unchanged: private categories, hidden and pending
  threads never appear for someone who may not read them).
- **Ranking**: relevance (BM25 on SQLite with the title weighing ``TITLE_WEIGHT`` times the
  body, see ``knowledgebase.search_backend``; ``ts_rank`` with the title boost on PostgreSQL).
  Every word must match on the search page and in the API, any word for suggestions.
- **Languages** (issue 17): threads have no language of their own, so they are indexed and
  searched with the backend's default configuration whatever the visitor's language; category
  names are shown in the visitor's language; typos are corrected once for every source by
  ``knowledgebase.search.search_tolerant``, and the titles of public threads written in the
  visitor's language (judged by their stop words) feed its vocabulary (``vocabulary_texts``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from wagtail.search import index
from wagtail.search.backends import get_search_backend

from community.models import Post, Thread
from knowledgebase.search import SearchHit, SearchParams, register, search_terms
from knowledgebase.text import STOP_WORDS, highlight, highlight_terms, search_language, snippet

if TYPE_CHECKING:
    from django.http import HttpRequest

MAX_TERMS = 8
VOCABULARY_THREADS = 5000  # the most recent public threads' titles feed the vocabulary
STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "how",
        "can",
        "why",
        "what",
        "when",
        "does",
        "not",
        "are",
        "was",
        "you",
        "your",
        "have",
        "has",
        "from",
        "this",
        "that",
        "into",
        "out",
        "get",
        "my",
        "our",
        "its",
    ]
)


def _terms(text: str) -> list[str]:
    words = [w for w in search_terms(text) if len(w) > 2 and w not in STOP]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def written_in(text: str) -> str | None:
    """The language whose stop words ``text`` uses most (None: no stop words or a tie)."""
    words = search_terms(text)
    counts = {
        language: sum(1 for w in words if w in stops) for language, stops in STOP_WORDS.items()
    }
    best = max(counts.values())
    winners = [language for language, n in counts.items() if n == best]
    return search_language(winners[0]) if best and len(winners) == 1 else None


def thread_reindex(thread: Thread) -> None:
    """Write ``thread``'s search index entry again from the database (drop it once the thread
    is deleted). The services call this after every change to what is indexed."""
    current = Thread.objects.filter(pk=thread.pk).first()
    if current is None or current.is_deleted:
        index.remove_object(current or thread)
    else:
        index.insert_or_update_object(current)


def threads_matching(text: str, *, user, any_word: bool = False, among=None):
    """Search results (sliceable, ``count()``) over the threads ``user`` may see, best match
    first: every word of ``text`` must match (any word for suggestions). ``among`` narrows
    the search to a queryset of threads (the API's filters)."""
    terms = _terms(text)
    visible = Thread.objects.visible_to(user).listed()
    if among is not None:
        visible = visible.filter(pk__in=among.values("pk"))
    candidates = Thread.objects.filter(pk__in=visible.values("pk")).select_related(
        "category", "author"
    )
    return get_search_backend().search(
        " ".join(terms), candidates, operator="or" if any_word else "and"
    )


class _ThreadResults:
    def __init__(self, threads, terms: list[str], request: HttpRequest):
        self.threads, self.terms, self.request = threads, terms, request
        self._count: int | None = None

    def count(self) -> int:
        """At most ``COUNT_CAP + 1`` (the search page says "more than ..."), like the KB."""
        from knowledgebase.search import COUNT_CAP
        from knowledgebase.search_backend import capped_count

        if self._count is None:
            self._count = capped_count(self.threads, COUNT_CAP)
        return self._count

    def hits(self, start: int, stop: int) -> list[SearchHit]:
        threads = list(self.threads[start:stop])
        questions = dict(
            Post.objects.filter(thread__in=threads, is_question=True).values_list(
                "thread_id", "body_markdown"
            )
        )
        hits = []
        for thread in threads:
            meta = [str(thread.category.tr.name)]
            if thread.is_solved:
                meta.append(str(_("Solved")))
            meta.append(str(_("%(n)d answers")) % {"n": thread.answer_count})
            hits.append(
                SearchHit(
                    source=ThreadSource.key,
                    object_id=str(thread.pk),
                    title=highlight(thread.title, self.terms),
                    url=thread.get_absolute_url(),
                    snippet=snippet(questions.get(thread.pk, ""), self.terms),
                    type_label=str(ThreadSource.label),
                    meta=meta,
                )
            )
        return hits


class ThreadSource:
    key = "community"
    label = _("Forum thread")

    def search(self, params: SearchParams, *, request: HttpRequest) -> _ThreadResults:
        among = None
        if params.category:  # a knowledge-base category: not a forum filter
            among = Thread.objects.none()
        elif params.product:
            among = Thread.objects.filter(products__slug=params.product)
        threads = threads_matching(params.backend_query, user=request.user, among=among)
        terms = highlight_terms(_terms(params.backend_query), params.lang)
        return _ThreadResults(threads, terms, request)

    @staticmethod
    def vocabulary_texts(*, language: str, audiences: list[str]) -> list[str]:
        """Titles of the most recent threads anyone may read, those written in ``language``
        (words for the spelling correction)."""
        titles = (
            Thread.objects.visible_to(None)
            .listed()
            .order_by("-pk")
            .values_list("title", flat=True)[:VOCABULARY_THREADS]
        )
        return [title for title in titles if written_in(title) in (None, language)]

    def url_for(self, object_id: str, *, request: HttpRequest) -> str | None:
        if not str(object_id).isdigit() or len(str(object_id)) > 12:
            return None
        thread = Thread.objects.visible_to(request.user).filter(pk=int(object_id)).first()
        return thread.get_absolute_url() if thread else None


def register_source() -> None:
    register(ThreadSource())
