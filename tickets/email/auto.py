"""Messages no person wrote: auto-replies and bounces, recognised by their headers.

- auto-replies: ``Auto-Submitted`` other than ``no`` (RFC 3834), ``X-Autoreply``,
  ``X-Autorespond``, ``Precedence: bulk/junk/list/auto_reply``, ``X-Auto-Response-Suppress``
  with ``All``/``OOF`` together with an ``Automatic reply`` subject (Exchange out-of-office);
- bounces: a ``multipart/report`` (delivery status notification, RFC 3464), a null or
  ``MAILER-DAEMON``/``postmaster`` sender.
"""

from __future__ import annotations

from email.header import decode_header, make_header
from email.message import Message

AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"

_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "noreply-dmarc-support")
_OOF_SUBJECTS = ("automatic reply:", "auto:", "risposta automatica:", "out of office")


def _value(message: Message, name: str) -> str:
    raw = message.get(name)
    if raw is None:
        return ""
    try:  # RFC 2047 encoded words ("=?utf-8?q?Automatic_reply:...?=")
        text = str(make_header(decode_header(str(raw))))
    except Exception:  # undecodable: the raw text
        text = str(raw)
    return text.strip().lower()


def automatic_kind(message: Message, *, sender: str, envelope_sender: str | None) -> str:
    """``"bounce"``, ``"auto_reply"`` or ``""`` (written by a person, as far as headers say)."""
    content_type = message.get_content_type()
    report = message.get_param("report-type", header="content-type") or ""
    if content_type == "multipart/report" and str(report).lower() in (
        "delivery-status",
        "disposition-notification",
        "",
    ):
        return BOUNCE
    local = sender.partition("@")[0].lower()
    if local in _DAEMONS or envelope_sender == "":
        return BOUNCE
    auto_submitted = _value(message, "Auto-Submitted")
    if auto_submitted and auto_submitted != "no":
        return AUTO_REPLY
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return AUTO_REPLY
    if _value(message, "Precedence") in ("bulk", "junk", "list", "auto_reply"):
        return AUTO_REPLY
    if _value(message, "X-Auto-Response-Suppress") in ("all", "oof") and _value(
        message, "Subject"
    ).startswith(_OOF_SUBJECTS):
        return AUTO_REPLY
    return ""
