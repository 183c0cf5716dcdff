"""The table of contents of long articles ("On this page") and the ids of their headings."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from knowledgebase.templatetags.kb_toc import TOC_MIN_HEADINGS, article_toc, unique_anchor
from tests.knowledgebase.conftest import make_article, make_category

SAFE_ID = re.compile(r"^h-[a-z0-9_-]+$")


def _article(parent, title, headings, levels=None):
    """An article whose body alternates heading blocks (``levels``: h2 by default) and text."""
    article = make_article(
        parent, title, paragraphs=tuple(f"Text {i}." for i in headings or ("x",))
    )
    body = []
    for i, text in enumerate(headings):
        level = levels[i] if levels else "h2"
        body += [("heading", {"text": text, "level": level}), ("text", f"<p>Part {i}.</p>")]
    article.body = body
    article.save_revision().publish()
    article.refresh_from_db()
    return article


def _soup(client, article) -> BeautifulSoup:
    response = client.get(article.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def _body_heading_ids(soup) -> list[str]:
    return [h["id"] for h in soup.select(".kb-body h2, .kb-body h3")]


@pytest.fixture
def cards(kb_index):
    return make_category(kb_index, "Cards and payments")


def test_long_article_has_the_toc_with_its_anchors_in_order(client, cards):
    article = _article(
        cards,
        "Blocked card guide",
        ["Before you start", "Block the card", "On Android", "On iPhone", "What happens next"],
        levels=["h2", "h2", "h3", "h3", "h2"],
    )
    soup = _soup(client, article)
    expected = [
        "h-before-you-start",
        "h-block-the-card",
        "h-on-android",
        "h-on-iphone",
        "h-what-happens-next",
    ]
    assert _body_heading_ids(soup) == expected
    wide = soup.select_one("nav.kb-toc-wide")
    assert wide is not None and wide.get("aria-labelledby") == "kb-toc-title"
    assert soup.find(id="kb-toc-title").get_text(strip=True) == "On this page"
    assert wide.find_parent("aside", class_="kb-aside") is not None  # beside the article
    links = wide.select("a")
    assert [a["href"] for a in links] == [f"#{anchor}" for anchor in expected]
    assert [a.get_text() for a in links][2] == "On Android"
    assert [li["class"] for li in wide.select("li")][2] == ["kb-toc-h3"]
    # Phones: the same links in a collapsible <details>, closed, above the body.
    narrow = soup.select_one("details.kb-toc-narrow")
    assert narrow is not None and not narrow.has_attr("open")
    assert narrow.summary.get_text(strip=True) == "On this page"
    assert [a["href"] for a in narrow.select("nav a")] == [f"#{anchor}" for anchor in expected]
    assert narrow.find_next_sibling(class_="kb-body") is not None
    # The highlighting script is a static file (strict CSP: no inline script).
    assert soup.find("script", src=re.compile(r"knowledgebase/toc\.js$")) is not None
    assert not [s for s in soup.find_all("script") if s.string and s.string.strip()]


def test_short_article_has_no_toc(client, cards):
    article = _article(cards, "Two parts only", ["First part", "Second part"])
    assert TOC_MIN_HEADINGS == 3
    soup = _soup(client, article)
    assert soup.select(".kb-toc") == []
    assert "On this page" not in soup.get_text()
    assert _body_heading_ids(soup) == ["h-first-part", "h-second-part"]  # ids all the same


def test_article_without_headings_renders(client, cards):
    article = make_article(cards, "Plain article", paragraphs=("Just a paragraph.",))
    soup = _soup(client, article)
    assert soup.select(".kb-toc") == [] and _body_heading_ids(soup) == []
    assert "Just a paragraph." in soup.select_one(".kb-body").get_text()


def test_duplicate_headings_get_unique_ids(client, cards):
    article = _article(
        cards,
        "Repeated sections",
        [
            "Order a replacement",
            "Order a replacement",
            "Order a replacement 2",
            "Order a replacement",
        ],
    )
    soup = _soup(client, article)
    ids = _body_heading_ids(soup)
    assert ids == [
        "h-order-a-replacement",
        "h-order-a-replacement-2",
        "h-order-a-replacement-2-2",  # its own slug was taken by the second heading
        "h-order-a-replacement-3",
    ]
    all_ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(all_ids) == len(set(all_ids))  # no duplicate id anywhere on the page
    hrefs = [a["href"] for a in soup.select("nav.kb-toc-wide a")]
    assert hrefs == [f"#{i}" for i in ids]


def test_italian_and_odd_titles_make_safe_stable_ids(client, cards):
    headings = [
        "Perché la carta è bloccata?",
        "Cos'è l'addebito «SEPA»",
        "Ωμέγα 中文",  # nothing ASCII: a generic id, still unique
        "∑ ∞",
        "x" * 120,
    ]
    article = _article(cards, "Carta bloccata", headings)
    soup = _soup(client, article)
    ids = _body_heading_ids(soup)
    assert ids[:4] == [
        "h-perche-la-carta-e-bloccata",
        "h-cose-laddebito-sepa",
        "h-section",
        "h-section-2",
    ]
    assert ids[4] == "h-" + "x" * 60
    assert all(SAFE_ID.match(i) for i in ids)
    texts = [a.get_text() for a in soup.select("nav.kb-toc-wide a")]
    assert texts[:3] == headings[:3]  # the TOC shows the titles as written
    # Stable: the same body gives the same ids on every render.
    assert _body_heading_ids(_soup(client, article)) == ids


def test_headings_are_escaped_xss_safe(client, cards):
    evil = [
        '<script>alert("toc")</script>',
        '"><img src=x onerror=alert(1)>',
        "Normal & fine",
    ]
    article = _article(cards, "Odd headings", evil)
    response = client.get(article.url)
    html = response.content.decode()
    assert '<script>alert("toc")' not in html
    assert "<img src=x onerror" not in html
    assert "&lt;script&gt;alert(&quot;toc&quot;)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    soup = BeautifulSoup(html, "html.parser")
    ids = _body_heading_ids(soup)
    assert all(SAFE_ID.match(i) for i in ids)
    assert soup.find("img", src="x") is None
    assert [a.get_text() for a in soup.select("nav.kb-toc-wide a")] == evil
    for a in soup.select(".kb-toc a"):
        assert SAFE_ID.match(a["href"][1:]) and list(a.attrs) == ["href"]


def test_article_toc_unit():
    toc = article_toc([])
    assert toc.entries == [] and toc.blocks == [] and not toc.show
    taken: set[str] = set()
    assert [unique_anchor(t, taken) for t in ("A", "a", "A 2", "")] == [
        "h-a",
        "h-a-2",
        "h-a-2-2",
        "h-section",
    ]
