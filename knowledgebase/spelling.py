"""Spelling tolerance for searches that find nothing ("Showing results for ...").

What the backends give on their own: PostgreSQL full text stems words with its text-search
configuration (``english`` by default: "cards" finds "card"); SQLite FTS5 with the Porter
tokenizer does the same (migration ``knowledgebase/0003``). Neither forgives a typo:
"pasword" finds nothing. Wagtail's PostgreSQL backend has a ``Fuzzy`` query (pg_trgm), but it
compares the query with the text of every article, a full scan at 100,000 articles.

So, on both backends, when a search finds nothing each unknown word of the query is replaced
by the closest word of the help centre's vocabulary (the titles, tags and summaries of the
published articles the reader may see), if one is close enough, and the corrected query is
searched instead. The vocabulary is built once per audience and cached until the next
publish or unpublish (``content_changed``).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict

from django.core.cache import cache

VOCABULARY_ARTICLES = 20_000  # the most recently published articles feed the vocabulary
VOCABULARY_TTL = 6 * 60 * 60
MIN_LENGTH = 4  # shorter words are left alone: too many neighbours
CUTOFF = 0.75
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
VERSION_KEY = "kb:content-version"


def content_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, None)
        version = cache.get(VERSION_KEY) or 1
    return int(version)


def content_changed() -> None:
    """Forget cached vocabularies (called when a page is published or unpublished)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, None)


class Vocabulary:
    def __init__(self, words: set[str]):
        self.words = frozenset(words)
        by_initial: dict[str, list[str]] = defaultdict(list)
        for word in sorted(words):
            by_initial[word[0]].append(word)
        self.by_initial = {k: tuple(v) for k, v in by_initial.items()}

    def closest(self, word: str) -> str | None:
        if word in self.words or len(word) < MIN_LENGTH or not word.isalpha():
            return None
        candidates = [w for w in self.by_initial.get(word[0], ()) if abs(len(w) - len(word)) <= 2]
        found = difflib.get_close_matches(word, candidates, n=1, cutoff=CUTOFF)
        return found[0] if found else None


def vocabulary(audiences: list[str]) -> Vocabulary:
    from knowledgebase.models import ArticlePage, ArticleTag

    key = f"kb:vocabulary:{content_version()}:{','.join(sorted(audiences))}"
    cached = cache.get(key)
    if cached is not None:
        return Vocabulary(set(cached))
    articles = (
        ArticlePage.objects.live()
        .public()
        .filter(audience__in=audiences)
        .order_by("-last_published_at")[:VOCABULARY_ARTICLES]
    )
    words: set[str] = set()
    for title, summary in articles.values_list("title", "summary"):
        words.update(w.lower() for w in _WORD.findall(f"{title} {summary}"))
    tags = ArticleTag.objects.filter(content_object__in=articles.values("pk")).values_list(
        "tag__name", flat=True
    )
    for name in tags.distinct():
        words.update(w.lower() for w in _WORD.findall(name))
    cache.set(key, sorted(words), VOCABULARY_TTL)
    return Vocabulary(words)


def correct(words: list[str], *, user) -> list[str] | None:
    """``words`` with each unknown word replaced by its closest known word, or None when
    nothing changed."""
    from knowledgebase.models import audiences_for

    if not any(len(w) >= MIN_LENGTH for w in words):
        return None
    vocab = vocabulary(audiences_for(user))
    corrected = [vocab.closest(w) or w for w in words]
    return corrected if corrected != words else None
