"""Pre-rendered MIME for bulk notices: one rendering per content, one copy per recipient.

Building and serialising a MIME message (Python's ``email`` header registry: parsing and
folding headers) is nearly all the cost of sending an email, and a notice to thousands of
customers is the same message in each language. ``NoticeRenderer`` renders each content (the
subject, the text and HTML parts of ``portal.mail.compose``, the shared headers such as
``List-Unsubscribe``) once per policy with placeholder ``To`` and ``Message-ID`` headers and
gives every recipient an ``EmailMultiAlternatives`` whose bytes are that rendering with their
address and a fresh Message-ID put in place (plain ASCII addresses only; anything else is built
the normal way); the copies of one rendering share its MIME boundary. The bytes are those
the one-by-one path (``portal.services.notifications.delivery_email``) builds, for the SMTP and
the file policies, boundaries and the Message-ID and Date aside
(tests/outages/test_fanout.py).

Benchmark: ``bench/outage_fanout.py`` (emails 12.0 s -> 0.7 s profiled at 10,000 customers,
"Emails" in bench/README.md).
"""

from __future__ import annotations

import copy
import email.policy
import re
import secrets
from collections.abc import Callable

from django.core.mail import EmailMessage, EmailMultiAlternatives

#: Addresses the pre-rendered path takes as they are: plain ASCII, no display name, short
#: enough never to be folded. Anything else is built the normal way.
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,120}\Z")


class NoticeRender:
    """One email content (subject, body, sender, headers) rendered to MIME bytes once per
    policy, with placeholders for ``To`` and ``Message-ID``."""

    def __init__(self, fields: dict) -> None:
        token = secrets.token_hex(8)
        self.to_mark = f"to-{token}@placeholder.invalid"
        self.id_mark = f"<id-{token}@placeholder.invalid>"
        headers = {**(fields.get("headers") or {}), "Message-ID": self.id_mark}
        self.prototype = EmailMultiAlternatives(
            **{**fields, "to": [self.to_mark], "headers": headers}
        )
        self._rendered: dict[int, tuple] = {}

    def render(self, policy) -> tuple:
        """(MIME message, header bytes, separator and body bytes) for ``policy``."""
        key = id(policy)
        if key not in self._rendered:
            msg = self.prototype.message(policy=policy)
            data = msg.as_bytes()
            blank = (policy.linesep * 2).encode()
            head, sep, rest = data.partition(blank)
            if self.to_mark.encode() not in head or self.id_mark.encode() not in head:
                raise ValueError("placeholder headers were folded")  # pragma: no cover
            self._rendered[key] = (policy, msg, head, sep + rest)
        return self._rendered[key][1:]


class RenderedCopy:
    """What ``NoticeCopy.message()`` returns: behaves as the MIME message for the backends
    (``as_bytes``, ``as_string``, ``get_charset``, header look-ups), serialised by replacing
    the placeholders in the rendered bytes."""

    def __init__(self, msg, data: bytes, full: Callable) -> None:
        self._msg, self._data, self._full = msg, data, full

    def as_bytes(self, unixfrom: bool = False, policy=None) -> bytes:
        if unixfrom or (policy is not None and policy is not self._msg.policy):
            return self._full().as_bytes(unixfrom=unixfrom, policy=policy)
        return self._data

    def __bytes__(self) -> bytes:
        return self.as_bytes()

    def as_string(self, unixfrom: bool = False, maxheaderlen=None, policy=None) -> str:
        return self._full().as_string(unixfrom=unixfrom, maxheaderlen=maxheaderlen, policy=policy)

    def __getitem__(self, name: str):
        return self._full()[name]

    def __getattr__(self, name: str):
        return getattr(self._msg, name)


class NoticeCopy(EmailMultiAlternatives):
    """A normal ``EmailMultiAlternatives`` for the backends (locmem keeps it, anymail reads its
    fields), whose MIME form is the shared rendering with this copy's ``To`` and a fresh
    ``Message-ID`` put in place of the placeholders."""

    def __init__(self, render: NoticeRender, **fields) -> None:
        super().__init__(**fields)
        self._render = render

    def message(self, *, policy=email.policy.default):
        from django.core.mail.message import make_msgid
        from django.core.mail.utils import DNS_NAME

        render = self._render
        msg, head, rest = render.render(policy)
        message_id = make_msgid(domain=DNS_NAME)
        head = head.replace(render.to_mark.encode(), self.to[0].encode(), 1).replace(
            render.id_mark.encode(), message_id.encode(), 1
        )

        def full():
            real = super(NoticeCopy, self).message(policy=policy)
            del real["Message-ID"]
            real["Message-ID"] = message_id
            return real

        return RenderedCopy(msg, head + rest, full)

    def __deepcopy__(self, memo):  # locmem's outbox: a plain EmailMultiAlternatives
        plain = EmailMultiAlternatives.__new__(EmailMultiAlternatives)
        plain.__dict__.update(
            copy.deepcopy({k: v for k, v in self.__dict__.items() if k != "_render"}, memo)
        )
        return plain


class NoticeRenderer:
    """The messages of one batch: ``message(**fields)`` gives an ``EmailMessage`` for one
    recipient (``to`` a one-address list), sharing the rendering of every earlier message
    with the same content (sender, subject, body, reply-to, headers). A message whose
    headers name its own ``Message-ID`` is built the normal way (its ID is kept)."""

    def __init__(self) -> None:
        self._renders: dict[tuple, NoticeRender] = {}

    def message(self, **fields) -> EmailMessage:
        """``fields``: the arguments of ``EmailMultiAlternatives`` (``alternatives``: the
        HTML part), with a one-address ``to``."""
        (to,) = fields["to"]
        headers = fields.get("headers") or {}
        if not PLAIN_ADDRESS.match(to) or "Message-ID" in headers:
            # an unusual address, or a message with its own Message-ID (a ticket mail that
            # replies must thread back to): one of a kind, built the normal way
            return EmailMultiAlternatives(**fields)
        key = (
            fields.get("from_email"),
            fields["subject"],
            fields["body"],
            tuple(fields.get("alternatives") or ()),
            tuple(fields.get("reply_to") or ()),
            tuple(sorted(headers.items())),
        )
        render = self._renders.get(key)
        if render is None:
            render = self._renders[key] = NoticeRender(fields)
        return NoticeCopy(render, **fields)
