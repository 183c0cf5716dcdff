"""Shorthands that build the raw StreamField values of an article body (see
``knowledgebase.blocks.ArticleBodyBlock``): ``p`` text, ``h`` heading, ``steps``, ``callout``,
``code``, ``table`` and ``video``. Each returns a ``(block type, value)`` pair."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledgebase.models import Audience

Block = tuple[str, object]


def p(*paras: str) -> Block:
    """A text block, one ``<p>`` per argument (inline HTML allowed: b, i, a, code)."""
    return ("text", "".join(f"<p>{x}</p>" for x in paras))


def ul(*items: str, intro: str = "") -> Block:
    """A text block with a bulleted list, after an optional introductory paragraph."""
    head = f"<p>{intro}</p>" if intro else ""
    return ("text", head + "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")


def h(text: str, level: str = "h2") -> Block:
    return ("heading", {"text": text, "level": level})


def steps(*items: str, title: str = "") -> Block:
    return ("steps", {"title": title, "steps": [f"<p>{i}</p>" for i in items]})


def callout(kind: str, text: str) -> Block:
    """``kind`` is "tip", "note" or "warning"."""
    return ("callout", {"kind": kind, "body": f"<p>{text}</p>"})


def code(text: str, language: str = "text") -> Block:
    return ("code", {"language": language, "code": text})


def table(rows: list[list[str]], caption: str = "") -> Block:
    """A table whose first row is the header."""
    return (
        "table",
        {
            "data": rows,
            "first_row_is_table_header": True,
            "first_col_is_header": False,
            "table_header_choice": "row",
            "table_caption": caption,
        },
    )


def video(url: str, title: str) -> Block:
    return ("video", {"video": url, "title": title})


@dataclass(frozen=True)
class Text:
    """One language's version of a page. ``slug`` empty: made from the title (English)."""

    title: str
    summary: str
    body: list[Block] = field(default_factory=list)
    tags: tuple[str, ...] = ()
    slug: str = ""


@dataclass(frozen=True)
class Article:
    """A demo article in English and Italian; ``products`` are ``portal.Product`` slugs
    (attached when they exist)."""

    en: Text
    it: Text
    products: tuple[str, ...] = ()
    audience: str = Audience.PUBLIC


@dataclass(frozen=True)
class Category:
    """A help-centre category: English slug, and each language's title and introduction."""

    slug: str
    en: Text
    it: Text
    articles: tuple[Article, ...] = ()
