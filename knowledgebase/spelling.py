"""Spelling tolerance: "pasword resett" finds "Reset your password".

What the backends give on their own: each language's stemming (PostgreSQL's text-search
configurations, SQLite FTS5's Porter stemmer and Snowball's Italian stemmer, see
``knowledgebase.search_backend``): "cards" finds "card". Neither forgives a typo.

So each word of a query that is not in the help centre's vocabulary *of the visitor's
language* is replaced by the closest word that is (``Vocabulary.closest``): the words of the
titles, tags, summaries and bodies of the published articles the reader may see, in that
language, plus what the other search sources contribute (catalogue item names, forum thread
titles: ``vocabulary_texts`` of a source). Title and tag words count more than body words, so
that between two equally close words the one the help centre is about wins.

Distances come from rapidfuzz (optimal string alignment: a swap of two letters is one edit),
over the words of about the same length: up to 1 edit for words of 4-5 letters, 2 for longer
ones; words shorter than 4 letters are left alone (too many neighbours). rapidfuzz rather than
symspellpy: SymSpell's pre-computed deletes cost 1.3 s and 147 MB for a 40,000-word vocabulary
at distance 2, per process, language and audience; rapidfuzz needs no index and scans 40,000
words in about 1 ms a query word (measured; see bench/README.md).

The vocabulary's word counts are cached per language and audience until the next publish or
unpublish (``content_changed``); each process keeps the few it uses built.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter, OrderedDict, defaultdict

from django.core.cache import cache
from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledgebase.text import STOP_WORDS, search_language, stem

VOCABULARY_ARTICLES = 20_000  # the most recently published articles feed the vocabulary
VOCABULARY_TTL = 6 * 60 * 60
MIN_LENGTH = 4  # shorter words are left alone: too many neighbours
MIN_PREFIX = 4  # suggestions as you type: a prefix shorter than this is not corrected
TITLE_WEIGHT = 5  # a title or tag word counts as five body words
SUMMARY_WEIGHT = 2
SOURCE_WEIGHT = 3  # catalogue item names, forum thread titles
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
VERSION_KEY = "kb:content-version"
_BUILT_KEEP = 8
_built: OrderedDict[str, tuple[str, Vocabulary]] = OrderedDict()


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


def max_distance(word: str) -> int:
    return 1 if len(word) <= 5 else 2


class Vocabulary:
    """The words of one language's help centre with how often they occur."""

    def __init__(self, counts: dict[str, int], language: str):
        self.counts = counts
        self.language = search_language(language)
        self.stops = STOP_WORDS[self.language]
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in sorted(counts):
            by_length[len(word)].append(word)
        self.by_length = dict(by_length)

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def _near(self, word: str, distance: int) -> list[tuple[str, int]]:
        choices = [
            w
            for size in range(len(word) - distance, len(word) + distance + 1)
            for w in self.by_length.get(size, ())
        ]
        found = process.extract(
            word, choices, scorer=OSA.distance, score_cutoff=distance, limit=None
        )
        return [(choice, int(score)) for choice, score, _index in found]

    def closest(self, word: str) -> str | None:
        """The known word ``word`` was probably meant to be, or None: when it is known, too
        short, not a word, a stop word, another form of a known word ("bloccata" when only
        "bloccato" is known: stemming finds it) or far from every known word."""
        word = word.lower()
        if (
            word in self.counts
            or len(word) < MIN_LENGTH
            or not word.isalpha()
            or word in self.stops
        ):
            return None
        near = self._near(word, max_distance(word))
        if not near:
            return None
        root = stem(word, self.language)
        if any(stem(choice, self.language) == root for choice, _d in near):
            return None
        best = min(near, key=lambda c: (c[1], -self.counts[c[0]], c[0]))
        return best[0]

    def complete(self, prefix: str) -> str | None:
        """A known word that ``prefix`` (being typed, up to one typo) begins, when no known
        word begins with ``prefix`` as it is: "paswo" -> "password"."""
        prefix = prefix.lower()
        if len(prefix) < MIN_PREFIX or not prefix.isalpha():
            return None
        size = len(prefix)
        longer = [w for n, words in self.by_length.items() if n >= size - 1 for w in words]
        if any(w.startswith(prefix) for w in longer):
            return None
        best: tuple[int, int, str] | None = None
        # One typo in what was typed: the intended prefix is as long, one letter longer (a
        # letter left out) or one shorter (one too many).
        for cut in (size, size + 1, size - 1):
            candidates = [w for w in longer if len(w) >= cut]
            heads = [w[:cut] for w in candidates]
            for _head, score, index in process.extract(
                prefix, heads, scorer=OSA.distance, score_cutoff=1, limit=None
            ):
                word = candidates[index]
                key = (int(score), -self.counts[word], word)
                if best is None or key < best:
                    best = key
        return best[2] if best else None


def _count(counter: Counter, text: str, weight: int) -> None:
    for word in _WORD.findall(text or ""):
        counter[word.lower()] += weight


def _word_counts(audiences: list[str], language: str) -> dict[str, int]:
    from knowledgebase import search
    from knowledgebase.models import ArticlePage, ArticleTag

    articles = search.in_language(
        ArticlePage.objects.live()
        .public()
        .filter(audience__in=audiences, alias_of__isnull=True)
        .order_by("-last_published_at"),
        language,
    )
    ids = list(articles.values_list("pk", flat=True)[:VOCABULARY_ARTICLES])
    counter: Counter = Counter()
    rows = ArticlePage.objects.filter(pk__in=ids).values_list("title", "summary", "body_text")
    for title, summary, body in rows.iterator(chunk_size=2000):
        _count(counter, title, TITLE_WEIGHT)
        _count(counter, summary, SUMMARY_WEIGHT)
        _count(counter, body, 1)
    tags = ArticleTag.objects.filter(content_object_id__in=ids).values_list("tag__name", flat=True)
    for name in tags:
        _count(counter, name, TITLE_WEIGHT)
    for source in search.sources():
        texts = getattr(source, "vocabulary_texts", None)
        for text in texts(language=language, audiences=audiences) if texts else ():
            _count(counter, text, SOURCE_WEIGHT)
    return dict(counter)


def vocabulary(audiences: list[str], language: str | None = None) -> Vocabulary:
    from django.utils import translation

    language = search_language(language or translation.get_language())
    key = f"kb:vocabulary:{content_version()}:{language}:{','.join(sorted(audiences))}"
    # The word counts are shared through the cache with a build id beside them; a process
    # reuses its built copy while the cache holds the same build (a cleared cache, or another
    # process's rebuild, makes it build again).
    build_id = cache.get(f"{key}:id")
    mine = _built.get(key)
    if mine is not None and build_id is not None and mine[0] == build_id:
        _built.move_to_end(key)
        return mine[1]
    counts = cache.get(key) if build_id is not None else None
    if counts is None:
        counts = _word_counts(audiences, language)
        build_id = uuid.uuid4().hex
        cache.set_many({key: counts, f"{key}:id": build_id}, VOCABULARY_TTL)
    built = Vocabulary(counts, language)
    _built[key] = (build_id, built)
    while len(_built) > _BUILT_KEEP:
        _built.popitem(last=False)
    return built


def correct(words: list[str], *, user, language: str | None = None) -> list[str] | None:
    """``words`` with each unknown word replaced by its closest known word in the reader's
    vocabulary, or None when nothing changed."""
    from knowledgebase.models import audiences_for

    if not any(len(w) >= MIN_LENGTH for w in words):
        return None
    vocab = vocabulary(audiences_for(user), language)
    corrected = [vocab.closest(w) or w for w in words]
    return corrected if corrected != words else None
