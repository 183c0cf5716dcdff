"""``{% kb_article_toc page as toc %}``: an article's table of contents and its heading ids.

The ids come from the heading blocks' text (``knowledgebase.blocks.heading_anchor``: "h-" and
the slug, so "Perché è bloccata?" is ``h-perche-e-bloccata``), made unique in body order by a
"-2", "-3" ... suffix: a link to a section stays the same while the text and the order of
same-named headings do not change. They are plain ASCII (``[a-z0-9_-]``), so no title, however
odd, can put markup in an ``id`` or ``href``; the texts are escaped by the templates.

The article template renders every body block from ``toc.blocks`` (each with its heading id,
or "" for other blocks), so a heading's ``id`` is always the anchor its TOC link points to,
TOC or not (two headings with the same text never share an ``id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template

from knowledgebase.blocks import heading_anchor

register = template.Library()

# Articles with fewer headings than this get no table of contents (nothing to skip to).
TOC_MIN_HEADINGS = 3


@dataclass(frozen=True)
class TocEntry:
    text: str
    anchor: str
    level: str  # "h2" or "h3"


@dataclass
class ArticleToc:
    entries: list[TocEntry] = field(default_factory=list)
    # Every body block in order, with its heading id ("" for blocks that are not headings).
    blocks: list[tuple[Any, str]] = field(default_factory=list)

    @property
    def show(self) -> bool:
        return len(self.entries) >= TOC_MIN_HEADINGS


def unique_anchor(text: str, taken: set[str]) -> str:
    """``heading_anchor(text)``, with the first free "-2", "-3" ... suffix when that id is
    already in ``taken``; the result is added to ``taken``."""
    base = heading_anchor(text)
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    taken.add(anchor)
    return anchor


def article_toc(body) -> ArticleToc:
    """The table of contents of a StreamField ``body`` (heading blocks, in order)."""
    toc = ArticleToc()
    taken: set[str] = set()
    for block in body or ():
        if getattr(block, "block_type", None) != "heading":
            toc.blocks.append((block, ""))
            continue
        text = str(block.value.get("text") or "")
        anchor = unique_anchor(text, taken)
        level = "h3" if block.value.get("level") == "h3" else "h2"
        toc.entries.append(TocEntry(text=text, anchor=anchor, level=level))
        toc.blocks.append((block, anchor))
    return toc


@register.simple_tag
def kb_article_toc(page) -> ArticleToc:
    return article_toc(getattr(page, "body", None))
