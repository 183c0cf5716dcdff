"""The renderer against hostile input: nothing executable survives, links are nofollow ugc,
@mentions of real members become profile links (and only those)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from community.rendering import link_mentions, mentioned_handles, render_post
from community.services import post_edit, profile_for

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    '![img](https://evil.example/x.png" onerror="alert(1))',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '[a](https://ok.example "title\\" onmouseover=alert(1)")',
    "`<script>` and ```\n<script>alert(1)</script>\n```",
    "<details open ontoggle=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    "[x](&#106;avascript:alert(1))",
    "<body onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("source", XSS)
def test_nothing_executable_survives(source):
    html = render_post(source).lower()
    hrefs = re.findall(r'<a\s[^>]*href="([^"]*)"', html)
    assert all(h.startswith(("http://", "https://", "mailto:", "/")) for h in hrefs), html
    for tag in ("<script", "<img", "<svg", "<iframe", "<style", "<body", "<details", "<math"):
        assert tag not in html, html


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.seen: set[tuple[str, str]] = set()

    def handle_starttag(self, tag, attrs):
        self.seen.update((tag, name) for name, _value in attrs)


def test_event_handlers_are_never_attributes():
    allowed = {"href", "title", "rel", "start", "align", "class"}
    for source in XSS:
        parser = _Attributes()
        parser.feed(render_post(source))
        assert {name for _tag, name in parser.seen} <= allowed, source


def test_links_are_nofollow_ugc():
    html = render_post("See [the guide](https://example.com/guide).")
    assert 'href="https://example.com/guide"' in html
    assert 'rel="nofollow ugc"' in html


def test_code_blocks_quotes_and_lists_render():
    html = render_post("> quoted\n\n```\nping 8.8.8.8\n```\n\n- one\n- two")
    assert "<blockquote>" in html and "<pre><code>ping 8.8.8.8" in html and "<li>one</li>" in html


def test_mentions_are_found_in_order_without_duplicates():
    assert mentioned_handles("hi @alice-archer and @bob, @Alice-Archer again; a@b.com") == [
        "alice-archer",
        "bob",
    ]


def test_only_known_handles_become_links_and_not_inside_code():
    html = link_mentions(
        '<p>@alice and @nobody</p><pre><code>@alice</code></pre><p><a href="/x">@alice</a></p>',
        {"alice"},
    )
    assert html.count('class="mention"') == 1
    assert "@nobody" in html
    assert "<code>@alice</code>" in html


def test_a_post_is_rendered_once_on_save_and_on_edit(question, alice, bob):
    profile_for(bob)
    post = question.posts.get()
    assert post.body_html == "<p>It keeps blinking red.</p>"
    post_edit(post=post, editor=alice, body="**Still** red <script>x</script> cc @bob-baker")
    post.refresh_from_db()
    assert "<strong>Still</strong>" in post.body_html
    assert "<script" not in post.body_html
    assert 'href="/community/members/bob-baker/"' in post.body_html
