"""The email parser (tickets.email) on the real-world corpus in mail_corpus/: senders,
threading headers, charsets and transfer encodings, the reply without quotes and signature,
HTML-only bodies sanitised, attachments and inline images, auto-replies and bounces."""

from __future__ import annotations

import pytest

from tickets.email import MailParseError, dedup_key, parse_message
from tickets.email.text import html_to_text, strip_reply

from .mail_helpers import CORPUS, load


def parsed(name: str):
    return parse_message(load(name))


def test_every_corpus_message_but_the_malformed_one_parses():
    names = sorted(path.name for path in CORPUS.glob("*.eml"))
    assert len(names) >= 10
    for name in names:
        if name == "malformed.eml":
            continue
        mail = parsed(name)
        assert mail.from_address and mail.subject, name


def test_gmail_reply_quoted_printable_with_a_pdf():
    mail = parsed("gmail_reply.eml")

    assert (mail.from_address, mail.from_name) == ("alice@example.com", "Alice Archer")
    assert mail.message_id.endswith("@mail.gmail.com")
    assert mail.in_reply_to == ["ticket.4242.message.88.d78@example.com"]
    assert mail.references[0] == "ticket.4242.opened.d77@example.com"
    assert "support+t-4242@example.com" in mail.to
    assert "the disconnects are at the end" in mail.text and "—" in mail.text  # QP, UTF-8
    assert mail.reply.endswith("Thanks,\nAlice") and "wrote:" not in mail.reply
    assert "> Ada Agent replied" in mail.text  # the full text keeps the quote
    [pdf] = mail.attachments
    assert (pdf.filename, pdf.content_type, pdf.inline) == (
        "router-log.pdf",
        "application/pdf",
        False,
    )
    assert pdf.data.startswith(b"%PDF-1.4")
    assert mail.automatic == "" and not mail.html_only


def test_outlook_reply_windows_1252_and_the_from_sent_block():
    mail = parsed("outlook_reply.eml")

    assert "€10" in mail.reply and "“business”" in mail.reply
    assert mail.reply.endswith("Acme S.p.A.")
    assert "Sent: Friday" not in mail.reply and "________" not in mail.reply


def test_apple_mail_reply_inline_image_and_iphone_footer():
    mail = parsed("apple_mail_reply.eml")

    assert mail.message_id == "7E3F9B2C-1A4D-4E8B-B5C6-0D2F8A1E9C37@example.com"  # Message-Id
    assert mail.reply == "Here is a photo of the lights on the router while it is down.\n\nAlice"
    [image] = mail.attachments
    assert (image.filename, image.content_type, image.inline) == ("IMG_4821.png", "image/png", True)
    assert image.content_id == "8D2E4F6A-3B1C-49D7-A5E8-1F0C2B3D4E5F"
    assert image.data.startswith(b"\x89PNG")


def test_html_only_base64_is_sanitised_text():
    mail = parsed("html_only.eml")

    assert mail.html_only
    assert mail.reply.startswith("## Invoice question")
    assert "[my order](https://shop.example.com/orders/58213)" in mail.reply
    for unsafe in ("<script", "document.cookie", "javascript:", "onload", "tracker", "font-family"):
        assert unsafe not in mail.text
    assert "Order 58213" not in mail.text  # the <title>


def test_iso_8859_1_headers_and_body():
    mail = parsed("iso_8859_1_new_sender.eml")

    assert mail.subject == "Perché la fibra non è ancora attiva?"
    assert (mail.from_address, mail.from_name) == ("mario.rossi@esempio.it", "Mario Rossi")
    assert "giovedì" in mail.reply and "«è tutto a posto»" in mail.reply
    assert "Via Garibaldi" in mail.text and "Via Garibaldi" not in mail.reply  # signature


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("auto_reply.eml", "auto_reply"),
        ("vacation_precedence_bulk.eml", "auto_reply"),
        ("dsn_bounce.eml", "bounce"),
        ("gmail_reply.eml", ""),
        ("no_message_id.eml", ""),
    ],
)
def test_automatic_messages_are_recognised(name, kind):
    assert parsed(name).automatic == kind


def test_the_bounce_report_parts_are_not_attachments():
    assert parsed("dsn_bounce.eml").attachments == []


def test_too_big_attachment_parts_are_all_there():
    mail = parsed("too_big_attachment.eml")

    assert [(a.filename, len(a.data) > 150_000) for a in mail.attachments] == [
        ("packet-capture.pdf", True),
        ("diagnostics.exe", False),
        ("screenshot.png", False),
    ]


def test_dedup_key_is_the_message_id_or_a_hash():
    assert dedup_key(load("gmail_reply.eml"))[0].startswith("mid:CAH8yC8k")
    key, message_id = dedup_key(load("no_message_id.eml"))
    assert key.startswith("sha256:") and message_id == ""
    assert dedup_key(load("no_message_id.eml")) == (key, message_id)


@pytest.mark.parametrize("raw", [b"", b"   \n", load("malformed.eml")])
def test_what_is_no_message_is_a_parse_error(raw):
    with pytest.raises(MailParseError):
        parse_message(raw)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("Yes.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <s@example.com> wrote:\n> old", "Yes."),
        ("Yes.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <\ns@example.com> wrote:\n> old", "Yes."),
        ("Sì.\n\nIl giorno lun 1 dic 2026 alle ore 10:00 Support ha scritto:\n> vecchio", "Sì."),
        ("Ok\n\n-----Original Message-----\nFrom: Support\nSent: today", "Ok"),
        ("Ok\n\nDa: Support <s@example.com>\nInviato: lunedì\nA: me\nOggetto: x", "Ok"),
        ("Fine\n-- \nJohn\nACME", "Fine"),
        ("Fine\n\nSent from my iPhone", "Fine"),
        ("Thanks\n\n-- Reply above this line --\nYour ticket", "Thanks"),
        ("> quoted only\n> more", "> quoted only\n> more"),  # nothing new: keep it all
        ("Top\n> a quote\nInline answer\n> another", "Top\n> a quote\nInline answer"),
    ],
)
def test_strip_reply(text, reply):
    assert strip_reply(text) == reply


def test_html_to_text_drops_scripts_styles_and_unsafe_links():
    html = (
        '<style>p{color:red}</style><p onclick="x()">Hi <b>there</b></p>'
        '<script>alert(1)</script><a href="javascript:alert(1)">bad</a>'
        '<a href="https://example.com/">good</a><img src="https://t.example/p.gif">'
    )

    text = html_to_text(html)

    assert text == "Hi **there**\n\nbad[good](https://example.com/)"
