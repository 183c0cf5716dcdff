"""The two parts of a notification email, plain text and HTML, from one template.

``templates/portal/email/notification.html`` holds every word of the email (the "reply above
this line" marker, the heading, the body, the link's label, the footer) in blocks; it is
rendered twice, once over ``portal/email/layout.txt`` (the ``text/plain`` part) and once over
``portal/email/layout.html`` (the ``text/html`` part: the portal's colours, a table layout,
inline styles only, no images), so the two parts cannot say different things. Both are
rendered in the recipient's language (``translation.override``).

The body is the notification's stored text; a last paragraph that is a single link into the
portal (``notify`` appends the notification's page so) becomes the email's button.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

TEMPLATE = "portal/email/notification.html"
TEXT_LAYOUT = "portal/email/layout.txt"
HTML_LAYOUT = "portal/email/layout.html"
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class MailParts:
    text: str
    html: str


def _split_action(body: str) -> tuple[str, str]:
    """(body without its last paragraph, that paragraph) when the last paragraph is a single
    link into the portal; else (body, "")."""
    head, sep, last = body.rstrip().rpartition("\n\n")
    portal = last.startswith(("https://", "http://")) and last.startswith(settings.SITE_URL)
    if sep and portal and not any(c.isspace() for c in last):
        return head, last
    return body, ""


def _tidy(text: str) -> str:
    """Template whitespace out: no trailing spaces (but the signature separator "-- "), no
    runs of blank lines, one final newline."""
    lines = (line if line == "-- " else line.rstrip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"


def settings_url() -> str:
    """The absolute URL of the notification settings page (in the active language)."""
    return f"{settings.SITE_URL}{reverse('portal:notification_settings')}"


def notification_parts(*, subject: str, body: str, language: str, replies: bool) -> MailParts:
    """The text and HTML parts of one notification email in ``language``; ``replies``: the
    email can be answered (it starts with the "reply above this line" marker)."""
    language = language or settings.LANGUAGE_CODE
    text_body, action_url = _split_action(body)
    with translation.override(language):
        context = {
            "subject": subject,
            "body": text_body,
            "action_url": action_url,
            "reply_marker": replies,
            "settings_url": settings_url(),
            "site_name": settings.WAGTAIL_SITE_NAME,
            "language": language,
        }
        text = render_to_string(TEMPLATE, {**context, "layout": TEXT_LAYOUT})
        html = render_to_string(TEMPLATE, {**context, "layout": HTML_LAYOUT})
    return MailParts(text=_tidy(text), html=html)
