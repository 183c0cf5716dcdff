"""User-written Markdown to safe HTML, for every app that stores user text (tickets, forum).

Rendered once when the text is saved (the HTML is stored next to the source): markdown-it-py
in CommonMark mode with raw HTML off, then sanitised with nh3 (an allow-list of tags and
attributes, ``http``/``https``/``mailto`` links only, every link ``rel="nofollow ugc"``).
Images are not allowed (they would load third-party content into the portal), except where
the caller passes ``image_src``: then ``<img>`` survives only with a ``src`` that test accepts
(the forum's own access-checked image URLs), and is dropped otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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


_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def render_markdown(source: str, *, image_src: Callable[[str], bool] | None = None) -> str:
    """Safe HTML for a Markdown ``source`` (empty string for empty input). With
    ``image_src``, images whose ``src`` it accepts are kept (``alt``, ``title``, lazy)."""
    source = (source or "")[:MAX_SOURCE_LENGTH]
    if not source.strip():
        return ""
    html = _parser.render(source)
    tags = set(ALLOWED_TAGS)
    attributes = {tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()}
    options = {}
    if image_src is not None:
        tags.add("img")
        attributes["img"] = {"src", "alt", "title"}

        def only_accepted_images(tag: str, attribute: str, value: str) -> str | None:
            if tag == "img" and attribute == "src":
                return value if image_src(value) else None
            return value

        options = {
            "attribute_filter": only_accepted_images,
            "set_tag_attribute_values": {"img": {"loading": "lazy"}},
        }
    html = nh3.clean(
        html,
        tags=tags,
        attributes=attributes,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        **options,
    )
    if image_src is not None:
        html = _IMG_WITHOUT_SRC.sub("", html)
    return html.strip()


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown (for values inserted into a Markdown template)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text or "")
