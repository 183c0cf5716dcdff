"""User-written Markdown to safe HTML, for every app that stores user text (tickets, forum).

Rendered once when the text is saved (the HTML is stored next to the source): markdown-it-py
in CommonMark mode with raw HTML off, then sanitised with nh3 (an allow-list of tags and
attributes, ``http``/``https``/``mailto`` links only, every link ``rel="nofollow ugc"``).
Images are not allowed: they would load third-party content into the portal.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

MAX_SOURCE_LENGTH = 50_000

ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc"

_parser = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


def render_markdown(source: str) -> str:
    """Safe HTML for a Markdown ``source`` (empty string for empty input)."""
    source = (source or "")[:MAX_SOURCE_LENGTH]
    if not source.strip():
        return ""
    html = _parser.render(source)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
    ).strip()


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown (for values inserted into a Markdown template)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text or "")
