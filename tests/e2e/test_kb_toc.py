"""The table of contents and the topic search box of a long article, in a real browser.

At 1280 px the "On this page" box sits beside the article and follows the reader (sticky), and
the section being read is marked (toc.js sets aria-current); at 390 px it is a closed
<details> above the body that opens, jumps and folds again. At both widths the page does not
scroll sideways and the search box sends a search scoped to the article's topic.
Screenshots: test-results/screenshots/kb-toc-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from knowledgebase.models import ArticlePage
from tests.e2e.test_kb_flow import kb_index
from tests.knowledgebase.conftest import make_article, make_category

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADINGS = ("Before you start", "Block the card", "Perché è bloccata?", "What happens next")
LONG_TEXT = "Open the app, choose the card and tap Block. " * 40


@pytest.fixture
def long_article(live_server):
    from django.core.cache import cache

    cache.clear()
    cards = make_category(kb_index(), "Cards")
    article = make_article(
        cards,
        "Blocked card guide",
        paragraphs=tuple(f"{LONG_TEXT} ({i})" for i in range(len(HEADINGS))),
        headings=HEADINGS,
    )
    make_article(cards, "Card limits", paragraphs=("Block a card or raise a limit.",))
    return cards, ArticlePage.objects.get(pk=article.pk)


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_wide_toc_beside_the_article_marks_the_current_section(
    live_server, new_page, screenshot, long_article
):
    cards, article = long_article
    page = new_page()
    page.goto(f"{live_server.url}{article.url}")
    toc = page.get_by_role("navigation", name="On this page")
    expect(toc).to_be_visible()
    expect(page.locator("details.kb-toc-narrow")).to_be_hidden()
    assert toc.get_by_role("link").all_inner_texts() == list(HEADINGS)
    article_box = page.locator("article.kb-article").bounding_box()
    toc_box = toc.bounding_box()
    assert toc_box["x"] > article_box["x"] + article_box["width"]  # beside, not above
    _no_sideways_scroll(page)

    toc.get_by_role("link", name="What happens next").click()
    page.wait_for_url(re.compile(r"#h-what-happens-next$"))
    current = toc.locator("a[aria-current]")
    expect(current).to_have_count(1)
    expect(current).to_have_text("What happens next")
    assert 0 <= toc.bounding_box()["y"] < 100  # still in view: sticky
    screenshot(page, "kb-toc-1280-current")

    page.evaluate("document.getElementById('h-block-the-card').scrollIntoView()")
    expect(current).to_have_text("Block the card")  # reading back up

    page.evaluate("window.scrollTo(0, 0)")
    box = page.get_by_role("search").get_by_role("searchbox")
    box.fill("block")
    box.press("Enter")
    page.wait_for_url(re.compile(rf"/search/\?q=block&category={cards.pk}$"))
    results = page.locator(".kb-results")
    expect(results).to_contain_text("Blocked card guide")
    expect(results).to_contain_text("Card limits")


def test_phone_toc_is_a_details_that_folds_after_a_jump(
    live_server, new_page, screenshot, long_article
):
    _cards, article = long_article
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}{article.url}")
    details = page.locator("details.kb-toc-narrow")
    expect(details).to_be_visible()
    expect(page.locator("nav.kb-toc-wide")).to_be_hidden()
    assert details.evaluate("d => d.open") is False
    _no_sideways_scroll(page)
    screenshot(page, "kb-toc-390-closed")

    details.locator("summary").click()
    assert details.evaluate("d => d.open") is True
    link = details.get_by_role("link", name="Perché è bloccata?")
    expect(link).to_be_visible()
    screenshot(page, "kb-toc-390-open")
    link.click()
    page.wait_for_url(re.compile(r"#h-perche-e-bloccata$"))
    expect(page.locator("#h-perche-e-bloccata")).to_be_in_viewport()
    assert details.evaluate("d => d.open") is False

    page.evaluate("window.scrollTo(0, 0)")
    search = page.get_by_role("search")
    search.get_by_label("All the help centre").check()
    search.get_by_role("searchbox").fill("block")
    search.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search/\?q=block&category=$"))
    _no_sideways_scroll(page)
