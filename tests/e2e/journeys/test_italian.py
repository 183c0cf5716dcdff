"""The Italian journey over the seeded demo, in Chromium at 1280 and 390 px wide (issue 17).

An Italian visitor (browser in Italian, no cookie) opens ``/`` and is sent to ``/it/``; reads the
help centre (index, a topic, a long article with its table of contents), searches in Italian,
with a typo and while typing, opens the community and the status page, switches an article to
English and back, and finds an English-only article under ``/it/`` with the "not yet available
in Italian" note. An Italian-preferring customer signs in from an English browser and lands in
Italian: home, ``/me/``, the service catalogue and a request form.

Every page goes through the journeys' page guard (tests/e2e/journeys/conftest.py: console
errors, failed requests, HTTP errors, sideways scrolling, serious axe-core violations).
Screenshots: artifacts/screenshots/italian-visitor|italian-customer/<width>/.

Interface strings are read from the Italian catalogue (``italian``), so the journey follows
the translations; ``test_the_journey_strings_have_italian`` says which of those it shows are
still English.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.utils.html import strip_tags
from django.utils.translation import gettext, override
from playwright.sync_api import expect

from knowledgebase.demo_content import ARTICLES, CATEGORIES, INDEX
from outages.demo import ITALIAN as INCIDENTS_IT
from tests.e2e.journeys.conftest import WIDTHS

pytestmark = [pytest.mark.e2e]

by_width = pytest.mark.parametrize("width", WIDTHS)

# The demo's English texts that must not show on an Italian page (a category or article whose
# title is the same word in both languages, "Privacy", is left out).
ENGLISH_ARTICLE_TITLES = tuple(
    a.en.title for _c, a in ARTICLES if a.audience != "agents" and a.en.title != a.it.title
)
ENGLISH_CATEGORY_TITLES = tuple(c.en.title for c in CATEGORIES if c.en.title != c.it.title)
ITALIAN_CATEGORY_TITLES = tuple(c.it.title for c in CATEGORIES)
FORUM_CATEGORIES = {"Broadband and TV": "Internet e TV", "Cards and payments": "Carte e pagamenti"}
ITALIAN_THREAD = "Il Wi-Fi rallenta la sera in salotto"
UNTRANSLATED_TITLE = "Paper invoices by post"  # made by the test, English only
INCIDENT_TITLES_IT = re.compile("|".join(re.escape(t) for t, _m in INCIDENTS_IT.values()))

# The long article of the journey (4 headings: a table of contents) in both languages.
ARTICLE_EN = "/kb/account-and-billing/reset-your-password/"
ARTICLE_IT = "/it/kb/account-e-fatturazione/reimpostare-la-password/"

# Interface strings the journey reads on Italian pages (msgids, as in the templates).
NOTE = "This article is not yet available in Italian; showing the English version."
SHOWING_RESULTS_FOR = "Showing results for “<strong>%(fixed)s</strong>”."
DID_YOU_MEAN = 'Did you mean <a href="%(href)s">%(fixed)s</a>?'
JOURNEY_STRINGS = (
    "Help centre",
    "Status",
    "Services",
    "On this page",
    "Search the help centre",
    "Still need help?",
    "Ask the community",
    "Suggested articles",
    "Popular help articles",
    "Browse the help centre",
    "Recent activity",
    "Service status",
    "My account",
    "My tickets",
    "No tickets yet",
    "Browse the knowledge base",
    "This field is required.",
    "e.g. “reset PIN”",
    "All the help centre",
    "Search the community",
    NOTE,
    SHOWING_RESULTS_FOR,
    'Search instead for <a href="%(href)s">%(q)s</a>',
    DID_YOU_MEAN,
)


def italian(msgid: str) -> str:
    """``msgid`` as the Italian catalogue has it (the msgid itself while untranslated)."""
    with override("it"):
        return gettext(msgid)


def lead_in(msgid: str) -> str:
    """The words of a blocktranslate string before its first placeholder, tags dropped
    ("Showing results for" of 'Showing results for “<strong>%(fixed)s</strong>”.')."""
    return strip_tags(italian(msgid)).split("%(")[0].rstrip(' “"«').strip()


def path_of(page) -> str:
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def main_text(page) -> str:
    return page.locator("main").inner_text()


def assert_no_english_titles(page, where: str) -> None:
    text = main_text(page)
    english = [t for t in ENGLISH_ARTICLE_TITLES + ENGLISH_CATEGORY_TITLES if t in text]
    assert not english, f"English help-centre titles on the Italian {where}: {english}"


def assert_italian_page(page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "it")
    nav = page.locator("#primary-nav")
    expect(nav.locator("a[data-nav=kb]")).to_have_text(italian("Help centre"))
    expect(nav.locator("a[data-nav=status]")).to_contain_text(italian("Status"))


def alternates(page) -> dict[str, str]:
    """The page's hreflang alternates, as paths (with their query)."""
    links = page.locator("head link[rel=alternate][hreflang]")
    found = {}
    for i in range(links.count()):
        link = links.nth(i)
        href = urlsplit(link.get_attribute("href"))
        assert href.scheme in ("http", "https") and href.netloc, "hreflang URLs are absolute"
        found[link.get_attribute("hreflang")] = href.path
    return found


def open_nav(page, name: str) -> None:
    """Follow a link of the main navigation (folded behind "Menu" on phones)."""
    toggle = page.locator("button.nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    with page.expect_navigation():
        page.locator(f"#primary-nav a[data-nav={name}]").click()
    page.wait_for_load_state("load")


def switch_language(page, code: str) -> None:
    """Press the visible EN/IT button of the language switch."""
    with page.expect_navigation():
        page.locator(f"form.lang-form button[name=language][value={code}]:visible").first.click()
    page.wait_for_load_state("load")


def search_from_box(page, query: str) -> None:
    box = page.locator("#kb-q")
    box.fill(query)
    with page.expect_navigation():
        box.press("Enter")
    page.wait_for_load_state("load")


def top_titles(page, n: int = 3) -> list[str]:
    return page.locator(".kb-results .kb-result-title").all_inner_texts()[:n]


def attributes(locator, name: str) -> list[str]:
    return locator.evaluate_all(f"els => els.map((el) => el.getAttribute({name!r}))")


def english_only_article(width: int):
    """An English article with no Italian translation (its alias stands in under /it/)."""
    from knowledgebase.models import ArticlePage, CategoryPage
    from tests.knowledgebase.conftest import make_article

    title = f"{UNTRANSLATED_TITLE} ({width})"
    category = CategoryPage.objects.get(slug="account-and-billing", locale__language_code="en")
    article = ArticlePage.objects.child_of(category).filter(title=title).first()
    if article is None:
        article = make_article(
            category,
            title,
            summary="Ask for your invoices on paper.",
            paragraphs=("Choose Paper invoices in your profile; each costs 1 EUR.",),
        )
    return article


@by_width
def test_italian_visitor(journey, width):
    from wagtail.models import Locale

    # Written before the browser opens: a write of the test's own while the live server
    # records a page's beacon would find SQLite locked (503).
    article = english_only_article(width)
    alias = article.get_translation(Locale.objects.get(language_code="it"))
    walk = journey("italian-visitor", width, locale="it-IT")
    page = walk.page

    # 1. First visit of / with an Italian browser: the Italian home.
    walk.goto("/")
    assert path_of(page) == "/it/"
    assert_italian_page(page)
    assert alternates(page) == {"en": "/", "it": "/it/", "x-default": "/"}
    expect(page.locator("#hero-title")).to_have_text(italian("Support that works around you"))
    popular = page.locator("section[aria-labelledby=popular-title]")
    expect(popular.locator("h2")).to_have_text(italian("Popular help articles"))
    assert_no_english_titles(page, "home page")
    # The demo's articles in Italian (and the English-only ones of this test, as aliases).
    italian_titles = [a.it.title for _c, a in ARTICLES]
    shown = popular.locator(".kb-article-list a").all_inner_texts()
    assert shown and all(t in italian_titles or t.startswith(UNTRANSLATED_TITLE) for t in shown), (
        shown
    )
    assert all(h.startswith("/it/kb/") for h in attributes(popular.locator("a"), "href"))
    walk.step("home")

    # 2. The help centre: index, a topic, a long article with its table of contents.
    with page.expect_navigation():
        popular.get_by_role("link", name=italian("Browse the help centre")).click()
    assert path_of(page) == "/it/kb/"
    expect(page.locator("#primary-nav a[data-nav=kb]")).to_have_attribute("aria-current", "page")
    expect(page.locator("h1")).to_have_text(INDEX.it.title)
    for title in ITALIAN_CATEGORY_TITLES:
        expect(page.locator("main").get_by_role("link", name=title).first).to_be_visible()
    assert_no_english_titles(page, "help centre")
    assert alternates(page) == {"en": "/kb/", "it": "/it/kb/", "x-default": "/kb/"}
    walk.step("help-centre")

    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Account e fatturazione").first.click()
    assert path_of(page) == "/it/kb/account-e-fatturazione/"
    expect(page.locator("h1")).to_have_text("Account e fatturazione")
    assert_no_english_titles(page, "topic page")
    walk.step("help-topic")

    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Reimpostare la password").first.click()
    assert path_of(page) == ARTICLE_IT
    assert_italian_page(page)
    expect(page.locator("h1")).to_have_text("Reimpostare la password")
    expect(page.locator("[data-translation-missing]")).to_have_count(0)
    assert alternates(page) == {"en": ARTICLE_EN, "it": ARTICLE_IT, "x-default": ARTICLE_EN}
    on_this_page = italian("On this page")
    if width >= 1000:
        toc = page.get_by_role("navigation", name=on_this_page)
        expect(toc).to_be_visible()
    else:
        toc = page.locator("details.kb-toc-narrow")
        expect(toc.locator("summary")).to_contain_text(on_this_page)
        toc.locator("summary").click()
    links = toc.get_by_role("link")
    assert links.count() >= 3
    scoped = page.locator("form.kb-scoped-search")
    expect(scoped.locator("input[name=q]")).to_have_attribute(
        "placeholder", italian("e.g. “reset PIN”")
    )
    expect(scoped.locator(".kb-scope")).to_contain_text(italian("All the help centre"))
    help_box = page.locator("aside.kb-help").last
    expect(help_box.locator("h2")).to_have_text(italian("Still need help?"))
    assert attributes(help_box.locator("a"), "href") == [
        "/it/community/",
        "/it/catalogue/",
        "/it/tickets/new/",
    ]
    walk.step("article-toc")

    # 3. Search in Italian: stemming, a typo, suggestions while typing.
    walk.goto("/it/")
    search_from_box(page, "carta bloccata")
    assert path_of(page).startswith("/it/search/?q=carta")
    assert_italian_page(page)
    assert "Bloccare la carta" in top_titles(page), top_titles(page)
    walk.step("search")

    box = page.locator("#kb-q")
    box.fill("")
    box.press_sequentially("bloccre la", delay=60)
    suggestions = page.get_by_role("list", name=italian("Suggested articles"))
    expect(suggestions).to_contain_text("Bloccare la carta")
    walk.step("search-suggestions")

    search_from_box(page, "pagamento rifiutatto")
    fixed = page.locator(".kb-corrected, .kb-did-you-mean")
    expect(fixed).to_be_visible()
    expect(fixed).to_contain_text("rifiutato")
    if page.locator(".kb-corrected").count():
        expect(fixed).to_contain_text(lead_in(SHOWING_RESULTS_FOR))
    else:
        expect(fixed).to_contain_text(lead_in(DID_YOU_MEAN))
        with page.expect_navigation():
            fixed.get_by_role("link").click()
    assert "Pagamento con carta rifiutato" in top_titles(page), top_titles(page)
    walk.step("search-typo")

    # 4. The community and the status page in Italian.
    open_nav(page, "community")
    assert path_of(page) == "/it/community/"
    assert_italian_page(page)
    main = page.locator("main")
    expect(main.locator("h1")).to_have_text(italian("Community"))
    expect(main.get_by_label(italian("Search the community"))).to_be_visible()
    for english, translated in FORUM_CATEGORIES.items():
        expect(main.get_by_role("link", name=translated).first).to_be_visible()
        assert english not in main_text(page), f"English forum category {english!r}"
    walk.step("community")

    with page.expect_navigation():
        main.get_by_role("link", name="Internet e TV").first.click()
    expect(page.locator("h1")).to_have_text("Internet e TV")
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name=ITALIAN_THREAD).first.click()
    assert re.match(r"/it/community/t/\d+/", path_of(page)), page.url
    expect(page.locator("h1")).to_have_text(ITALIAN_THREAD)
    walk.step("community-thread")

    open_nav(page, "status")
    assert path_of(page) == "/it/status/"
    assert_italian_page(page)
    expect(page.locator("h1")).to_have_text(italian("Service status"))
    expect(page.locator("main")).to_contain_text("Fibra non disponibile in diverse zone")
    assert "Fibre broadband down in several areas" not in main_text(page)
    walk.step("status")
    with page.expect_navigation():
        page.locator("main a[href*='/it/status/incidents/']").first.click()
    assert re.match(r"/it/status/incidents/\d+/", path_of(page)), page.url
    assert_italian_page(page)
    expect(page.locator("h1")).to_have_text(INCIDENT_TITLES_IT)
    walk.step("status-incident")

    # 5. The language switch on an article: the same article in English, and back.
    walk.goto(ARTICLE_IT)
    switch_language(page, "en")
    assert path_of(page) == ARTICLE_EN
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Reset your password")
    walk.step("article-in-english")
    switch_language(page, "it")
    assert path_of(page) == ARTICLE_IT
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.locator("h1")).to_have_text("Reimpostare la password")
    walk.step("article-back-in-italian")

    # An article not translated yet: the English text under /it/ with a note, not a 404.
    assert alias.alias_of_id == article.pk
    response = walk.goto(alias.url)
    assert response.status == 200
    assert path_of(page).startswith("/it/kb/account-e-fatturazione/")
    assert_italian_page(page)
    expect(page.locator("h1")).to_have_text(article.title)
    expect(page.locator("[data-translation-missing]")).to_have_text(italian(NOTE))
    walk.step("article-not-translated")
    walk.finish()


@by_width
def test_italian_customer(journey, width):
    # An English browser: the customer's preference alone makes the portal Italian.
    walk = journey("italian-customer", width, locale="en-GB")
    page = walk.page
    walk.sign_in("giulia@example.com")
    assert path_of(page) == "/it/"
    assert_italian_page(page)
    expect(page.locator("#hero-title")).to_contain_text("Giulia")
    expect(page.locator("#hero-title")).to_contain_text(
        italian("Welcome back, %(name)s").split("%(")[0].strip()
    )
    walk.step("home-signed-in")

    walk.goto("/me/")
    assert path_of(page) == "/it/me/"
    assert_italian_page(page)
    expect(page.locator("main h1").first).to_have_text(italian("My account"))
    expect(page.locator("select[name=language]")).to_have_value("it")
    walk.step("me")

    walk.goto("/tickets/")
    assert path_of(page) == "/it/tickets/"
    assert_italian_page(page)
    expect(page.locator("main h1").first).to_have_text(italian("My tickets"))
    empty = page.locator(".empty-state")
    expect(empty.locator("h2")).to_have_text(italian("No tickets yet"))
    with page.expect_navigation():
        empty.get_by_role("link", name=italian("Browse the knowledge base")).click()
    assert path_of(page) == "/it/kb/"
    expect(page.locator("h1")).to_have_text(INDEX.it.title)
    walk.step("tickets-empty-to-help-centre")

    open_nav(page, "services")
    assert path_of(page) == "/it/catalogue/"
    assert_italian_page(page)
    main = page.locator("main")
    expect(main.locator("h1")).to_have_text(italian("Services"))
    expect(main).to_contain_text("Reimposta la password")
    for english in ("Report a lost or stolen card", "Reset your password", "Pause a subscription"):
        assert english not in main_text(page), f"English catalogue item {english!r}"
    walk.step("catalogue")

    with page.expect_navigation():
        main.get_by_role("link", name="Segnala una carta smarrita o rubata").first.click()
    assert path_of(page) == "/it/catalogue/lost-card/"
    expect(page.locator("h1")).to_have_text("Segnala una carta smarrita o rubata")
    expect(page.get_by_label("Ultime quattro cifre della carta")).to_be_visible()
    expect(page.get_by_label("Smarrita")).to_be_visible()
    expect(page.get_by_label("Rubata")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Che cosa è successo?")
    walk.step("request-form")

    # Sent empty: the form comes back with its errors in Italian.
    form = page.locator("form:has([name='last_four'])")
    walk.expect_status(400, "/it/catalogue/lost-card/")
    form.evaluate("f => { f.noValidate = true; }")  # past the browser's own checks
    with page.expect_navigation():
        form.locator("button[type=submit]:not([formaction])").last.click()
    expect(page.locator("main")).to_contain_text(italian("This field is required."))
    walk.step("request-form-errors")
    walk.finish()


def test_the_journey_strings_have_italian():
    """Every interface string the Italian journey reads has an Italian translation (an
    untranslated one shows English on the Italian pages)."""
    untranslated = [msgid for msgid in JOURNEY_STRINGS if italian(msgid) == msgid]
    # "Community" and "Home" read the same in Italian; they are not in the list.
    assert not untranslated, f"no Italian yet for: {untranslated}"
