"""Post text to safe HTML: ``portal.markdown`` (CommonMark, raw HTML off, nh3 allow-list,
``rel="nofollow ugc"`` links, images only from the forum's own image URLs) plus @mentions
turned into links to member profiles.

Mentions are resolved after sanitising, in text outside ``<a>``, ``<code>`` and ``<pre>``;
a handle is ``[a-z0-9-]`` only, so the inserted markup cannot carry anything hostile.
"""

from __future__ import annotations

import re

from django.urls import reverse

from portal.markdown import render_markdown

#: The only image sources a post may show: the forum's own access-checked image URLs
#: (``community:image``, ``community.services.images``).
IMAGE_SRC = re.compile(r"/community/images/[0-9a-f]{32}/\Z")
MENTION = re.compile(r"(?<![\w@/.])@([a-z0-9][a-z0-9-]{1,39})\b", re.IGNORECASE)
_TAG = re.compile(r"(<[^>]*>)")
_SKIP = {"a", "code", "pre"}
MAX_MENTIONS = 10


def mentioned_handles(source: str) -> list[str]:
    """The distinct @handles in ``source`` (lower case, in order, at most MAX_MENTIONS)."""
    seen: list[str] = []
    for match in MENTION.finditer(source or ""):
        handle = match.group(1).lower()
        if handle not in seen:
            seen.append(handle)
        if len(seen) >= MAX_MENTIONS:
            break
    return seen


def link_mentions(html: str, handles: set[str]) -> str:
    """``html`` with every ``@handle`` (of an existing member) linked to the profile."""
    if not handles:
        return html
    depth = 0
    out = []
    for part in _TAG.split(html):
        if part.startswith("<"):
            name = part.strip("</>").split()[0].lower() if part.strip("</>") else ""
            if name in _SKIP:
                depth += -1 if part.startswith("</") else 1
            out.append(part)
        elif depth <= 0 and "@" in part:

            def replace(match: re.Match) -> str:
                handle = match.group(1).lower()
                if handle not in handles:
                    return match.group(0)
                url = reverse("community:member", args=[handle])
                return f'<a href="{url}" class="mention">@{handle}</a>'

            out.append(MENTION.sub(replace, part))
        else:
            out.append(part)
    return "".join(out)


def is_post_image(src: str) -> bool:
    return IMAGE_SRC.match(src) is not None


def render_post(source: str, *, handles: set[str] | None = None) -> str:
    html = render_markdown(source, image_src=is_post_image)
    return link_mentions(html, handles or set())
