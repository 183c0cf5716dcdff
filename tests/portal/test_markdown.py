"""User Markdown: rendered with raw HTML off, then sanitised (portal.markdown)."""

from __future__ import annotations

import pytest

from portal.markdown import escape_markdown, render_markdown


@pytest.mark.parametrize(
    ("source", "absent"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ("![tracker](https://evil.example/p.png)", "<img"),
        ('<a href="https://x" onclick="y">x</a>', "<a "),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", 'href="data'),
    ],
)
def test_dangerous_input_is_neutralised(source, absent):
    assert absent not in render_markdown(source)


def test_markdown_features_and_link_rel():
    html = render_markdown("**bold** and `code`\n\n- one\n- two\n\n[docs](https://example.com)")
    assert "<strong>bold</strong>" in html
    assert "<code>code</code>" in html
    assert "<li>one</li>" in html
    assert '<a href="https://example.com" rel="nofollow ugc">docs</a>' in html


def test_empty_and_escaped():
    assert render_markdown("   ") == ""
    assert render_markdown(escape_markdown("*not emphasis* [x](y)")) == (
        "<p>*not emphasis* [x](y)</p>"
    )
