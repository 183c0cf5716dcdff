"""Body text of an email: HTML to text, and the reply itself without the quoted history and
the signature (for display; the full original is kept on the ``InboundMessage``).

HTML is first sanitised with ``nh3`` (no scripts, styles, event handlers or ``javascript:``
links survive), then turned into Markdown-structured text with ``html2text`` (the ticket
message body is Markdown, rendered with raw HTML off). Images are left out of the text: inline
images arrive as attachments.

Quote detection knows the reply headers of the common clients, in English and Italian:
Gmail and Apple Mail (``On <date>, <name> wrote:``, ``Il giorno ... ha scritto:``), Outlook
(``-----Original Message-----``, a ``From:/Sent:`` block, ``Da:/Inviato:``), the portal's own
"reply above this line" marker, and a trailing block of ``>`` lines. The signature is cut at
the RFC 3676 delimiter (``-- ``) and at mobile footers (``Sent from my iPhone``).
"""

from __future__ import annotations

import re

import html2text
import nh3

#: A line containing this (case-insensitive) marks where the portal's notification text starts
#: in a reply; everything from that line on is the quoted notification.
REPLY_MARKERS = ("reply above this line", "rispondi sopra questa riga")

_WROTE = re.compile(
    r"^\s*(on\b.{4,300}\bwrote:|il giorno\b.{4,300}\bha scritto:|.{4,200}\bha scritto:"
    r"|le\b.{4,300}\ba écrit\s?:|am\b.{4,300}\bschrieb\b.*:)\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^\s*(-{2,}\s*(original message|messaggio originale|forwarded message|"
    r"messaggio inoltrato)\s*-{2,}|_{10,})\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*[*_]*\s*(from|da|de|von)\s*:[*_]*\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*[*_]*\s*(sent|date|to|subject|inviato|data|a|oggetto|cc)\s*:", re.IGNORECASE
)
_MOBILE = re.compile(
    r"^\s*(sent from my \w+|get outlook for \w+|inviato da(l mio)? \w+|"
    r"sent from (outlook|mail) for \w+)",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^(-- ?|--\s*)$")
_BLANKS = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Sanitised HTML as Markdown-structured text (no images, no unsafe links)."""
    clean = nh3.clean(
        html or "",
        tags=nh3.ALLOWED_TAGS - {"img"},
        clean_content_tags={"script", "style", "title"},
        link_rel=None,
    )
    converter = html2text.HTML2Text()
    converter.body_width = 0  # no hard wrapping
    converter.ignore_images = True
    converter.ignore_emphasis = False
    converter.unicode_snob = True
    converter.ignore_tables = True  # layout tables: their cells read as paragraphs
    text = converter.handle(clean)
    lines = [line.rstrip() for line in text.splitlines()]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def _is_quote_header(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _ORIGINAL.match(line):
        return True
    lowered = line.lower()
    if any(marker in lowered for marker in REPLY_MARKERS):
        return True
    if _WROTE.match(line):
        return True
    # "On Mon, 1 Dec 2026 at 10:00, Support <support@example.com>" + "wrote:" on the next line
    if index + 1 < len(lines) and _WROTE.match(f"{line} {lines[index + 1]}"):
        return len(line) < 300
    # Outlook: "From: Name" followed within 3 lines by "Sent:" / "To:" / "Subject:"
    if _HEADER_FROM.match(line):
        following = [text for text in lines[index + 1 : index + 4] if text.strip()]
        return any(_HEADER_NEXT.match(text) for text in following)
    return False


def strip_reply(text: str) -> str:
    """The new part of a reply: without the quoted history and the signature. Falls back to
    the whole text when stripping would leave nothing (a message that is all quote)."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for index in range(len(lines)):
        if _is_quote_header(lines, index):
            cut = index
            break
    kept = lines[:cut]
    # a bottom-posted quote with no header: the trailing run of ">" lines
    end = len(kept)
    while end > 0 and (kept[end - 1].lstrip().startswith(">") or not kept[end - 1].strip()):
        end -= 1
    if any(line.strip() for line in kept[:end]):
        kept = kept[:end]
    # a signature: from the last "-- " delimiter on; mobile footers at the end
    for index in range(len(kept) - 1, -1, -1):
        if _SIGNATURE.match(kept[index]):
            kept = kept[:index]
            break
    while kept and (not kept[-1].strip() or _MOBILE.match(kept[-1])):
        kept.pop()
    result = "\n".join(line.rstrip() for line in kept).strip()
    return result or (text or "").strip()
