"""Forum threads in the site search (``knowledgebase.search`` registry) and the "similar
questions" suggestions on the ask page.

Matching is a plain, portable ORM query over the threads the reader may see (title, then the
question's text; every word for the search page, any word for suggestions), ranked by words
matched (in the title three times a match in the question), then solved, then votes. It
respects ``Thread.objects.visible_to`` exactly, which a separate search index would have to
duplicate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _

from community.models import Post, Thread
from knowledgebase.search import SearchHit, SearchParams, register, search_terms
from knowledgebase.text import highlight, snippet

if TYPE_CHECKING:
    from django.http import HttpRequest

MAX_TERMS = 8
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


def threads_matching(text: str, *, user, any_word: bool = False):
    """Threads ``user`` may see whose title or question has every word of ``text`` (or any
    word, for suggestions); solved and well-voted threads first."""
    terms = _terms(text)
    threads = Thread.objects.visible_to(user).listed()
    if not terms:
        return threads.none()
    combined = None
    rank = Value(0)
    for term in terms:
        in_question = Exists(
            Post.objects.filter(
                thread=OuterRef("pk"), is_question=True, body_markdown__icontains=term
            )
        )
        condition = Q(title__icontains=term) | in_question
        rank = rank + Case(
            When(title__icontains=term, then=Value(3)),
            When(in_question, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        if combined is None:
            combined = condition
        else:
            combined = (combined | condition) if any_word else (combined & condition)
    return (
        threads.filter(combined)
        .annotate(rank=rank)
        .select_related("category")
        .order_by("-rank", "-is_solved", "-score", "-last_activity_at", "-id")
    )


class _ThreadResults:
    def __init__(self, threads, terms: list[str], request: HttpRequest):
        self.threads, self.terms, self.request = threads, terms, request
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.threads.count()
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
            meta = [thread.category.name]
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
        terms = _terms(params.backend_query)
        threads = threads_matching(params.backend_query, user=request.user)
        if params.category:  # a knowledge-base category: not a forum filter
            threads = threads.none()
        if params.product:
            threads = threads.filter(products__slug=params.product)
        return _ThreadResults(threads, terms, request)

    def url_for(self, object_id: str, *, request: HttpRequest) -> str | None:
        if not str(object_id).isdigit() or len(str(object_id)) > 12:
            return None
        thread = Thread.objects.visible_to(request.user).filter(pk=int(object_id)).first()
        return thread.get_absolute_url() if thread else None


def register_source() -> None:
    register(ThreadSource())
