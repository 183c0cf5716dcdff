"""A visitor in a real browser finds an answer: search with suggestions, open, rate it.

Runs against pytest-django's live server with the system Chromium (see conftest.py);
screenshots go to test-results/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from knowledgebase.models import (
    ArticleFeedback,
    Audience,
    KnowledgeBaseIndexPage,
    SearchClick,
    SearchQuery,
)
from portal.models import Interaction, InteractionKind
from tests.knowledgebase.conftest import make_article, make_category

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def kb_index() -> KnowledgeBaseIndexPage:
    """The help centre's index page. Data migrations create it (with Wagtail's root, home page,
    site and locale), but a transactional test that ran before this one flushed them away:
    then build the same tree here."""
    from wagtail.models import Locale, Page, Site

    index = KnowledgeBaseIndexPage.objects.filter(slug="kb").first()
    if index is not None:
        return index
    locale = Locale.objects.get_or_create(language_code="en")[0]
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    home = root.get_children().first() or root.add_child(
        instance=Page(title="Home", slug="home", locale=locale)
    )
    if not Site.objects.exists():
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return home.add_child(instance=KnowledgeBaseIndexPage(title="Help centre", slug="kb"))


def test_search_open_and_rate_an_article(live_server, new_page, screenshot):
    from django.core.cache import cache

    cache.clear()
    cards = make_category(kb_index(), "Cards")
    article = make_article(
        cards,
        "Lost or stolen card",
        summary="Block your card straight away.",
        paragraphs=(
            "Open the app, tap Cards and then Block.",
            "Order a replacement card.",
            "Unblock it in the app if it turns up.",
        ),
        headings=("Block the card", "Order a new one", "If you find it again"),  # a TOC: 3+
        tags=("card", "fraud"),
    )
    make_article(cards, "Card fraud playbook", audience=Audience.AGENTS, tags=("card",))
    base = live_server.url

    page = new_page()
    page.goto(f"{base}/")
    search = page.get_by_role("search").get_by_role("searchbox")
    search.press_sequentially("stolen", delay=40)
    suggestion = page.locator("#kb-suggestions").get_by_role("link", name="Lost or stolen card")
    expect(suggestion).to_be_visible()
    screenshot(page, "kb-01-suggestions")

    search.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=stolen"))
    expect(page.locator("main")).to_contain_text("Lost or stolen card")
    expect(page.locator("main")).not_to_contain_text("playbook")  # agents only
    screenshot(page, "kb-02-results")

    page.locator("main").get_by_role("link", name="Lost or stolen card").first.click()
    page.wait_for_url(f"{base}{article.url}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lost or stolen card")
    toc = page.get_by_role("navigation", name="On this page")
    expect(toc.get_by_role("link", name="Order a new one")).to_be_visible()
    page.fill("#kb-feedback-comment", "Clear, thanks")
    page.get_by_role("button", name="Yes").click()
    expect(page.locator("#feedback")).to_contain_text("Thank you for your feedback.")
    screenshot(page, "kb-03-article-rated")

    feedback = ArticleFeedback.objects.get(article=article)
    assert feedback.helpful is True
    assert feedback.comment == "Clear, thanks"
    logged = SearchQuery.objects.get(query="stolen")
    assert logged.result_count == 1
    assert SearchClick.objects.filter(search=logged, position=1).exists()
    assert Interaction.objects.filter(kind=InteractionKind.KB_VIEW, target_id=str(article.pk))
