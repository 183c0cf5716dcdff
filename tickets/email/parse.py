"""One RFC 5322 message (bytes) to what the intake service needs: who, to whom, threading
headers, the body text (plain part, else sanitised HTML), the reply without quotes and
signature, and the attachments and inline images.

Decoding is the standard library's ``email`` package with its ``compat32`` policy: header
values stay text until asked for, and only the few the intake reads are decoded (RFC 2047
encoded words with ``email.header``, addresses with ``getaddresses`` before their display
names are decoded). ``policy.default`` builds a structured object for every header it touches,
``Content-Type`` again on each ``get_content_type()``: measured (bench/mail_intake.py) it was a
fifth of the intake's time. Transfer encodings (quoted-printable, base64) and charsets come from
the message; a part in an unknown or wrong charset is decoded as UTF-8, else Latin-1, with
replacement characters rather than failing. ``MailParseError`` means the bytes are not a message
we can read at all.

``read_headers`` reads the header block alone (the dedup key, the summary stored with the
message) so that a redelivery is recognised without parsing the body.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parseaddr

from tickets.email.auto import automatic_kind
from tickets.email.text import html_to_text, strip_reply

_MSGID = re.compile(r"<([^<>\s]{1,250})>")
_HEADER_LIMIT = 250


class MailParseError(Exception):
    """The bytes are not a readable email message."""


@dataclass(frozen=True)
class MailPart:
    """An attachment or inline image."""

    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class ParsedMail:
    message_id: str  # without angle brackets, "" when missing
    subject: str
    from_address: str  # lower-cased addr-spec, "" when none
    from_name: str
    to: list[str]  # To, Cc, Delivered-To, X-Original-To (lower-cased)
    in_reply_to: list[str]
    references: list[str]
    text: str  # the full body as text
    reply: str  # the new part: quotes and signature stripped
    html_only: bool
    automatic: str  # "", "auto_reply" or "bounce"
    attachments: list[MailPart] = field(default_factory=list)
    headers: Message | None = None

    def header(self, name: str) -> str:
        value = self.headers.get(name) if self.headers is not None else None
        return str(value) if value is not None else ""


def _raw_values(message: Message, name: str) -> list[str]:
    try:
        return [str(value) for value in (message.get_all(name) or [])]
    except Exception:  # pragma: no cover - compat32 keeps any bytes as text
        return []


def decoded(value: str) -> str:
    """A header value with its RFC 2047 encoded words decoded, whitespace folded."""
    try:
        text = str(make_header(decode_header(value)))
    except Exception:  # undecodable encoded words: the raw text
        text = value
    return " ".join(text.split())


def _header_text(message: Message, name: str) -> str:
    values = _raw_values(message, name)
    return decoded(values[0]) if values else ""


def message_ids(value: str) -> list[str]:
    """Message-IDs in a header value (``<a@b> <c@d>``), without brackets, in order."""
    return _MSGID.findall(value or "")


@dataclass(frozen=True)
class HeaderSummary:
    """What the header block alone says: the dedup key and what is stored with the message."""

    key: str  # ``mid:<Message-ID>``, else ``sha256:<hash of the bytes>``
    message_id: str
    from_address: str  # "" when unreadable
    to_address: str  # the first To address
    subject: str


def read_headers(raw: bytes) -> HeaderSummary:
    """The header block only (cheap); "" for what cannot be read (the full parse is later)."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    except Exception:  # unreadable headers: the hash identifies it
        headers = None
    message_id = sender = to = subject = ""
    if headers is not None:
        ids = message_ids(" ".join(_raw_values(headers, "Message-ID")[:1]))
        message_id = ids[0] if ids else ""
        sender = parseaddr(_header_text(headers, "From"))[1].lower()
        found = [a for _n, a in getaddresses([_header_text(headers, "To")]) if "@" in a]
        to = found[0].lower() if found else ""
        subject = _header_text(headers, "Subject")
    key = f"mid:{message_id}"[:255] if message_id else f"sha256:{hashlib.sha256(raw).hexdigest()}"
    return HeaderSummary(
        key=key,
        message_id=message_id,
        from_address=sender if "@" in sender else "",
        to_address=to,
        subject=subject,
    )


def dedup_key(raw: bytes) -> tuple[str, str]:
    """(key, message_id): ``mid:<Message-ID>`` when the message has one, else
    ``sha256:<hash of the bytes>``. Reads only the header block."""
    summary = read_headers(raw)
    return summary.key, summary.message_id


def _addresses(message: Message, *names: str) -> list[str]:
    found: list[str] = []
    for name in names:
        for _name, address in getaddresses(_raw_values(message, name)):
            address = address.strip().lower()
            if "@" in address and address not in found:
                found.append(address)
    return found


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True) or b""
    if not isinstance(payload, bytes):  # pragma: no cover - a leaf part decodes to bytes
        return str(payload)
    charset = part.get_content_charset() or "us-ascii"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return payload.decode("latin-1", errors="replace")


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # a Content-Disposition the parser cannot read
        return ""
    return decoded(name) if "=?" in name else name


def _attachment(part: Message, index: int) -> MailPart | None:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return None
    content_type = part.get_content_type()
    filename = _filename(part)
    disposition = part.get_content_disposition() or ""
    content_id = (_header_text(part, "Content-ID") or "").strip("<>")
    if not filename:
        extension = {
            "image/png": "png",
            "image/jpeg": "jpg",
            "image/gif": "gif",
            "image/webp": "webp",
            "application/pdf": "pdf",
            "text/plain": "txt",
        }.get(content_type, "bin")
        filename = f"{'image' if content_type.startswith('image/') else 'attachment'}-{index}"
        filename = f"{filename}.{extension}"
    inline = disposition == "inline" or (bool(content_id) and disposition != "attachment")
    return MailPart(
        filename=filename,
        content_type=content_type,
        data=data,
        inline=inline,
        content_id=content_id,
    )


def _walk(message: Message) -> tuple[str, str, list[MailPart]]:
    """(plain text, html, attachments): the first text/plain and text/html body parts that
    are not attachments, everything else with a payload as a part."""
    plain, html = "", ""
    parts: list[MailPart] = []
    index = 0
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        if disposition != "attachment" and not _filename(part):
            if content_type == "text/plain" and not plain:
                plain = _decoded(part)
                continue
            if content_type == "text/html" and not html:
                html = _decoded(part)
                continue
            if content_type in ("text/plain", "text/html"):
                continue  # further alternatives of the body
            if content_type.startswith("message/") or content_type.startswith("text/"):
                continue  # delivery reports, calendars: not files for the ticket
        index += 1
        attachment = _attachment(part, index)
        if attachment is not None:
            parts.append(attachment)
    return plain, html, parts


def parse_message(raw: bytes, *, envelope_sender: str | None = None) -> ParsedMail:
    """Parse ``raw``; raises ``MailParseError`` when it is not a readable message."""
    if not raw or not raw.strip():
        raise MailParseError("empty message")
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything raised here is fatal
        raise MailParseError(f"unreadable message: {exc}") from exc
    if not message.keys():
        raise MailParseError("no headers")
    if message.defects and not (message.get("From") or message.get("Subject")):
        raise MailParseError(
            "not an email message: " + ", ".join(type(d).__name__ for d in message.defects)
        )
    from_values = _raw_values(message, "From")
    from_name, from_address = parseaddr(from_values[0]) if from_values else ("", "")
    from_name, from_address = decoded(from_name), from_address.lower()
    if "@" not in from_address:
        from_address = ""
    try:
        plain, html, parts = _walk(message)
    except Exception as exc:
        raise MailParseError(f"unreadable body: {exc}") from exc
    html_only = not plain.strip() and bool(html.strip())
    text = html_to_text(html) if html_only else plain
    text = text.replace("\x00", "").replace("\r\n", "\n").strip()
    ids = message_ids(_header_text(message, "Message-ID"))
    return ParsedMail(
        message_id=ids[0] if ids else "",
        subject=_header_text(message, "Subject")[:_HEADER_LIMIT],
        from_address=from_address,
        from_name=from_name[:200],
        to=_addresses(message, "To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"),
        in_reply_to=message_ids(_header_text(message, "In-Reply-To")),
        references=message_ids(_header_text(message, "References")),
        text=text,
        reply=strip_reply(text),
        html_only=html_only,
        automatic=automatic_kind(message, sender=from_address, envelope_sender=envelope_sender),
        attachments=parts,
        headers=message,
    )
