"""Plain-text helpers: body text for the index, reading time, query normalisation, snippets."""

from __future__ import annotations

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
