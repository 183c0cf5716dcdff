"""Plain-text helpers: body text for the index, reading time, query normalisation, snippets."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable

from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

WORDS_PER_MINUTE = 200
QUERY_MAX_LENGTH = 200
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)


def _rich_text(value) -> str:
    source = getattr(value, "source", value)
    return strip_tags(str(source or ""))


def stream_plain_text(body: Iterable) -> str:
    """The words of an article body, block by block (for search, snippets, reading time)."""
    parts: list[str] = []
    for block in body:
        kind, value = block.block_type, block.value
        if kind == "text":
            parts.append(_rich_text(value))
        elif kind == "heading":
            parts.append(value["text"])
        elif kind == "steps":
            parts.append(value.get("title") or "")
            parts.extend(_rich_text(step) for step in value["steps"])
        elif kind == "code":
            parts.append(value["code"])
        elif kind == "callout":
            parts.append(_rich_text(value["body"]))
        elif kind == "image":
            parts.append(value.get("caption") or "")
        elif kind == "video":
            parts.append(value.get("title") or "")
        elif kind == "table":
            for row in (value or {}).get("data") or []:
                parts.extend(str(cell) for cell in row if cell)
    return _SPACE.sub(" ", " ".join(p for p in parts if p)).strip()


def reading_minutes(text: str) -> int:
    words = len(_WORD.findall(text))
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def normalise_query(raw: str | None) -> str:
    """Lower-case, NFKC, collapsed whitespace, control characters dropped, length-capped."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in " \t\n")
    return _SPACE.sub(" ", text).strip().lower()[:QUERY_MAX_LENGTH]


def query_terms(query: str) -> list[str]:
    """Distinct words of a query, longest first (so 'card' does not split 'cards')."""
    terms = {w.lower() for w in _WORD.findall(query) if len(w) > 1}
    return sorted(terms, key=lambda t: (-len(t), t))


def highlight(text: str, terms: list[str]) -> SafeString:
    """Escape ``text`` first, then wrap each term (matched at a word start) in <mark>."""
    escaped = escape(text)
    if not terms:
        return mark_safe(escaped)  # noqa: S308 - escaped above
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(escape(t)) for t in terms) + r")", re.IGNORECASE
    )
    return mark_safe(pattern.sub(r"<mark>\1</mark>", escaped))  # noqa: S308 - escaped above


def snippet(text: str, terms: list[str], *, width: int = 220) -> SafeString:
    """A window of ``text`` around the first matching term, highlighted."""
    if not text:
        return mark_safe("")
    lower = text.lower()
    positions = [m.start() for t in terms if (m := re.search(r"\b" + re.escape(t), lower))]
    start = max(0, min(positions) - width // 3) if positions else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    window = text[start:end]
    prefix = "… " if start else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + highlight(window, terms) + suffix)  # noqa: S308 - escaped parts


# --- languages: stop words and stems (search) ------------------------------------------------
SEARCH_LANGUAGES = ("en", "it")
DEFAULT_LANGUAGE = "en"
_SNOWBALL = {"en": "english", "it": "italian"}


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no meaning in a support question ("how do I ...", "come posso ..."): left
# out of the query on both databases (PostgreSQL's configurations drop theirs too), so that
# "come posso bloccare la carta" asks for "bloccare carta" and every word can match.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _word_set(
        """a an the and or but if of to in on at by for with from into about as is are was were
        be been being do does did doing have has had i me my mine we us our you your he she it
        its they them their this that these those what which who whom when where why how can
        could will would should shall may might must so than too very just there here all any
        both each few more most other some such only own same then once get got please"""
    ),
    "it": _word_set(
        """a ad al allo alla ai agli alle anche ancora c che chi ci coi col come con cosa cui d
        da dal dallo dalla dai dagli dalle del dello della dei degli delle devo di dove e ed è
        era fa fra gli ha hai hanno ho i il in io l la le lei li lo loro lui ma me mi mia mie
        miei mio ne nei negli nel nella nelle nello noi non o per perché perche più piu posso
        può puo puoi qual quale quando questa queste questi questo quella quelle quelli quello
        se si sia sei siamo siete sono su sua sue sui sugli sul sull sulla sulle sullo suo suoi
        te ti tra tu tua tue tuo tuoi un una uno vi voi vorrei"""
    ),
}


def search_language(code: str | None) -> str:
    """``code`` ("it", "it-ch", "en-us", None) as one of ``SEARCH_LANGUAGES``."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in SEARCH_LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def _stemmer(language: str):
    import snowballstemmer

    return snowballstemmer.stemmer(_SNOWBALL[language])


def stem(word: str, language: str) -> str:
    """Snowball's stem of ``word`` (lower-case) in ``language``."""
    return _stem(word.lower(), search_language(language))


@functools.lru_cache(maxsize=100_000)
def _stem(word: str, language: str) -> str:
    # Snowball in pure Python costs tens of microseconds a word, and the same words come back
    # all the time (the desk ticket page stems some 900 words of suggested articles a view).
    return _stemmer(language).stemWord(word)


def content_words(words: Iterable[str], language: str) -> list[str]:
    """``words`` without the language's stop words and one-letter words (order kept)."""
    stops = STOP_WORDS[search_language(language)]
    return [w for w in words if len(w) > 1 and w.lower() not in stops]


def stemmed_text(text: str, language: str) -> str:
    """``text`` as its stems, stop words left out; tokens that are not plain words (numbers,
    category keys such as ``kbc1234``) are kept as they are. The SQLite index stores Italian
    text this way (FTS5's stemmer is English only), and queries are stemmed the same way."""
    language = search_language(language)
    stops = STOP_WORDS[language]
    out = []
    for token in _WORD.findall(text or ""):
        lower = token.lower()
        if not lower.isalpha():
            out.append(lower)
        elif len(lower) > 1 and lower not in stops:
            out.append(stem(lower, language))
    return " ".join(out)


def highlight_terms(terms: list[str], language: str) -> list[str]:
    """The words to mark in titles and snippets: each query word and its stem (so "bloccata"
    marks "Bloccare", "cards" marks "card"), longest first."""
    found = set(terms)
    for term in terms:
        root = stem(term, language)
        if len(root) >= 3:
            found.add(root)
    return sorted(found, key=lambda t: (-len(t), t))
