"""One RFC 5322 message (bytes) to what the intake service needs: who, to whom, threading
headers, the body text (plain part, else sanitised HTML), the reply without quotes and
signature, and the attachments and inline images.

Decoding is the standard library's ``email`` package (``policy.default``): transfer encodings
(quoted-printable, base64) and charsets come from the message. A part in an unknown or wrong
charset is decoded as Latin-1/UTF-8 with replacement characters rather than failing.
``MailParseError`` means the bytes are not a message we can read at all.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
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
    headers: EmailMessage | None = None

    def header(self, name: str) -> str:
        value = self.headers.get(name) if self.headers is not None else None
        return str(value) if value is not None else ""


def _header_text(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse: keep its raw text
        value = message.get_all(name, [""])[0] if hasattr(message, "get_all") else ""
    return " ".join(str(value or "").split())


def message_ids(value: str) -> list[str]:
    """Message-IDs in a header value (``<a@b> <c@d>``), without brackets, in order."""
    return _MSGID.findall(value or "")


def dedup_key(raw: bytes) -> tuple[str, str]:
    """(key, message_id): ``mid:<Message-ID>`` when the message has one, else
    ``sha256:<hash of the bytes>``. Reads only the header block."""
    message_id = ""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        ids = message_ids(str(headers.get("Message-ID", "") or ""))
        message_id = ids[0] if ids else ""
    except Exception:  # unreadable headers: the hash identifies it
        message_id = ""
    if message_id:
        return f"mid:{message_id}"[:255], message_id
    return f"sha256:{hashlib.sha256(raw).hexdigest()}", ""


def _addresses(message: EmailMessage, *names: str) -> list[str]:
    found: list[str] = []
    for name in names:
        values = [str(value) for value in (message.get_all(name) or [])]
        for _name, address in getaddresses(values):
            address = address.strip().lower()
            if "@" in address and address not in found:
                found.append(address)
    return found


def _decoded(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError, ValueError):
        payload = part.get_payload(decode=True) or b""
        try:
            content = payload.decode("utf-8")
        except UnicodeDecodeError:
            content = payload.decode("latin-1", errors="replace")
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    return str(content)


def _attachment(part: EmailMessage, index: int) -> MailPart | None:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return None
    content_type = part.get_content_type()
    filename = part.get_filename() or ""
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


def _walk(message: EmailMessage) -> tuple[str, str, list[MailPart]]:
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
        if disposition != "attachment" and not part.get_filename():
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
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything raised here is fatal
        raise MailParseError(f"unreadable message: {exc}") from exc
    if not message.keys():
        raise MailParseError("no headers")
    if message.defects and not (message.get("From") or message.get("Subject")):
        raise MailParseError(
            "not an email message: " + ", ".join(type(d).__name__ for d in message.defects)
        )
    try:
        from_header = message.get("From")
        addresses = list(getattr(from_header, "addresses", ()) or ())
    except Exception:  # an unparsable From header
        addresses = []
    if addresses:
        first: Address = addresses[0]
        from_address, from_name = (first.addr_spec or "").lower(), first.display_name or ""
    else:
        from_name, from_address = parseaddr(_header_text(message, "From"))
        from_address = from_address.lower()
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
