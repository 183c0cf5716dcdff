"""The bilingual demo help centre (issue 17): the content package ``knowledgebase.demo_content``
as data, and ``seed_kb`` turning it into English pages with their Italian translations."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import TestCase
from django.utils.text import slugify
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Locale, Page, Revision

from knowledgebase.blocks import ArticleBodyBlock
from knowledgebase.demo import english_slug, seed_kb
from knowledgebase.demo_content import ARTICLES, CATEGORIES, INDEX
from knowledgebase.models import ArticlePage, Audience, CategoryPage, KnowledgeBaseIndexPage
from portal.models import Product

REQUIRED_CATEGORIES = {
    "account-and-billing",
    "cards-and-payments",
    "connectivity",
    "orders-and-delivery",
    "privacy",
}
P, C, A = Audience.PUBLIC, Audience.CUSTOMERS, Audience.AGENTS
# The twelve articles of the first demo: tests, the ticket and catalogue demos and the
# benchmarks refer to them (title, slug, tags, products, audience).
LEGACY = [
    ("Download a copy of your invoice", ("invoice", "billing"), ("mobile-plan", "home-fibre"), P),
    ("Why is my bill higher than usual?", ("billing", "charges"), ("mobile-plan",), P),
    ("Change your address or contact details", ("account", "address"), (), P),
    ("Set up two-factor authentication", ("security", "account"), (), C),
    ("Lost or stolen card", ("card", "security"), ("debit-card", "credit-card"), P),
    ("Reset your card PIN", ("card", "pin"), ("debit-card", "credit-card"), C),
    ("A card payment was declined", ("card", "payments"), ("debit-card", "credit-card"), P),
    ("Send a bank transfer with the API", ("api", "payments"), (), C),
    (
        "Card fraud: agent escalation playbook",
        ("card", "fraud", "internal"),
        ("debit-card", "credit-card"),
        A,
    ),
    ("Router keeps restarting", ("router", "fibre"), ("home-fibre",), P),
    ("Mobile data not working abroad", ("roaming", "mobile data"), ("mobile-plan",), P),
    ("Slow home internet: a quick check", ("fibre", "wifi", "speed"), ("home-fibre",), P),
]
LEGACY_SLUGS = {
    "Download a copy of your invoice": "download-a-copy-of-your-invoice",
    "Lost or stolen card": "lost-or-stolen-card",
    "Router keeps restarting": "router-keeps-restarting",
    "Card fraud: agent escalation playbook": "card-fraud-agent-escalation-playbook",
    "Why is my bill higher than usual?": "why-is-my-bill-higher-than-usual",
}
# Words that give away an English text (the Italian versions must not be English copies).
ENGLISH_WORDS = {"the", "your", "and", "you", "with", "when", "what", "order", "open", "choose"}
ITALIAN_WORDS = {"il", "la", "di", "che", "e", "per", "un", "una", "non", "con", "apri", "tuo"}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-zàèéìòù']+", re.sub(r"<[^>]+>", " ", text).lower())


def _body_text(body) -> str:
    return " ".join(str(value) for _kind, value in body)


def _by_title() -> dict[str, object]:
    return {article.en.title: (category, article) for category, article in ARTICLES}


# --- the content as data ---------------------------------------------------------------------
def test_at_least_30_articles_in_the_5_required_categories():
    assert len(ARTICLES) >= 30
    assert len(CATEGORIES) >= 5
    assert {category.slug for category in CATEGORIES} >= REQUIRED_CATEGORIES
    per_category = Counter(category.slug for category, _ in ARTICLES)
    assert all(per_category[slug] >= 5 for slug in REQUIRED_CATEGORIES), per_category


def test_the_issue_examples_are_there():
    by_title = _by_title()
    category, _ = by_title["Reset your password"]
    assert category.slug == "account-and-billing"
    category, block = by_title["Block your card"]
    assert category.slug == "cards-and-payments"
    assert block.it.title == "Bloccare la carta"


@pytest.mark.parametrize(("title", "tags", "products", "audience"), LEGACY)
def test_the_first_demo_articles_keep_their_title_slug_tags_products_and_audience(
    title, tags, products, audience
):
    _category, article = _by_title()[title]
    assert article.en.tags == tags
    assert article.products == products
    assert article.audience == audience
    assert english_slug(article.en) == slugify(title)[:80]
    if title in LEGACY_SLUGS:
        assert english_slug(article.en) == LEGACY_SLUGS[title]


def test_every_article_has_an_italian_version_that_is_not_the_english_one():
    for _category, article in ARTICLES:
        en, it = article.en, article.it
        assert it.title and it.title != en.title, en.title
        assert it.summary and it.summary != en.summary, en.title
        assert _body_text(it.body) != _body_text(en.body), en.title
        assert [kind for kind, _ in it.body] == [kind for kind, _ in en.body], en.title
        italian = Counter(_words(f"{it.title} {it.summary} {_body_text(it.body)}"))
        english = Counter(_words(f"{en.title} {en.summary} {_body_text(en.body)}"))
        assert sum(italian[w] for w in ITALIAN_WORDS) > sum(italian[w] for w in ENGLISH_WORDS)
        assert sum(english[w] for w in ENGLISH_WORDS) > sum(english[w] for w in ITALIAN_WORDS)


def test_tags_in_both_languages():
    italian_only = set()
    for _category, article in ARTICLES:
        assert article.en.tags and article.it.tags, article.en.title
        italian_only |= set(article.it.tags) - {t for _, a in ARTICLES for t in a.en.tags}
    # Tags are words of each language, not the English ones copied (a few are the same in both:
    # "api", "wifi", "privacy", "gdpr", ...).
    assert {"fattura", "carta", "sicurezza", "reso", "consegna", "fibra"} <= italian_only


def test_slugs_are_valid_and_unique_in_each_language():
    for language in ("en", "it"):
        slugs = Counter()
        for category in CATEGORIES:
            text = getattr(category, language)
            slug = english_slug(text) if language == "en" else text.slug
            assert slug == slugify(slug), slug
            for article in category.articles:
                text = getattr(article, language)
                slug = english_slug(text) if language == "en" else text.slug
                assert slug and slug == slugify(slug) and len(slug) <= 80, slug
                slugs[(category.slug, slug)] += 1
        assert max(slugs.values()) == 1, [key for key, n in slugs.items() if n > 1]
    for _category, article in ARTICLES:
        assert article.it.slug != english_slug(article.en), article.en.title
    assert INDEX.it.title != INDEX.en.title


@pytest.fixture
def offline_embeds(monkeypatch):
    """Video blocks validate by fetching the embed: answer without the network."""
    monkeypatch.setattr(
        "wagtail.embeds.blocks.embed_to_frontend_html", lambda url, *args: "<iframe></iframe>"
    )


def test_every_body_is_valid_for_the_article_block(offline_embeds):
    stream = ArticleBodyBlock()
    kinds = Counter()
    for _category, article in ARTICLES:
        for text in (article.en, article.it):
            value = stream.normalize(text.body)
            stream.clean(value)  # raises on a bad block: too long a heading, a missing field
            kinds.update(kind for kind, _ in text.body)
    assert {"text", "heading", "steps", "callout", "table", "code", "video"} <= set(kinds)


def test_a_bad_body_is_refused_by_the_same_check(offline_embeds):
    """The check above can fail: a heading longer than the block allows."""
    with pytest.raises(ValidationError):
        ArticleBodyBlock().clean(
            ArticleBodyBlock().normalize([("heading", {"text": "x" * 121, "level": "h2"})])
        )


def test_some_long_articles_have_a_table_of_contents_in_both_languages():
    def headings(body):
        return [v["text"] for kind, v in body if kind == "heading" and v["level"] == "h2"]

    long_ones = [a for _c, a in ARTICLES if len(headings(a.en.body)) >= 4]
    assert len(long_ones) >= 4
    for article in long_ones:
        assert len(headings(article.it.body)) == len(headings(article.en.body))
        assert set(headings(article.it.body)).isdisjoint(headings(article.en.body))


# --- seeding ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """``seed_kb`` run once for the module (in a transaction rolled back at the end), with the
    products the first demo's articles name, then run a second time."""
    with django_db_blocker.unblock(), transaction.atomic():
        for slug in ("debit-card", "credit-card", "mobile-plan", "home-fibre"):
            Product.objects.create(name=slug.replace("-", " ").title(), slug=slug)
        with TestCase.captureOnCommitCallbacks(execute=True):
            first = seed_kb()
        counts = _counts()
        with TestCase.captureOnCommitCallbacks(execute=True):
            second = seed_kb()
        yield {"first": first, "second": second, "counts": counts}
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "redirects": Redirect.objects.count(),
    }


def _english() -> Locale:
    return Locale.objects.get(language_code="en")


def _italian() -> Locale:
    return Locale.objects.get(language_code="it")


def test_seed_creates_every_article_in_both_languages_and_a_second_run_nothing(seeded, db):
    assert seeded["first"] == 2 * len(ARTICLES)
    assert seeded["second"] == 0
    assert _counts() == seeded["counts"]
    english = ArticlePage.objects.filter(locale=_english(), alias_of__isnull=True)
    italian = ArticlePage.objects.filter(locale=_italian(), alias_of__isnull=True)
    assert english.live().count() == italian.live().count() == len(ARTICLES) >= 30
    assert not ArticlePage.objects.filter(alias_of__isnull=False).exists()


def test_seed_leaves_no_redirects_behind(seeded, db):
    """The Italian copies get their slug before they are published: no redirect from an
    English-slugged address in the Italian tree that never served anything."""
    assert seeded["counts"]["redirects"] == 0


def test_categories_and_index_in_both_languages(seeded, db):
    kb = KnowledgeBaseIndexPage.objects.get(locale=_english())
    kb_it = kb.get_translation(_italian())
    assert kb_it.alias_of_id is None and kb_it.slug == kb.slug == "kb"
    assert kb.intro == f"<p>{INDEX.en.summary}</p>"
    assert (kb_it.title, kb_it.intro) == (INDEX.it.title, f"<p>{INDEX.it.summary}</p>")
    categories = CategoryPage.objects.child_of(kb).live()
    assert set(categories.values_list("slug", flat=True)) >= REQUIRED_CATEGORIES
    for spec in CATEGORIES:
        category = categories.get(slug=spec.slug)
        translation = category.get_translation(_italian())
        assert translation.get_parent().pk == kb_it.pk
        assert (translation.title, translation.slug, translation.intro) == (
            spec.it.title,
            spec.it.slug,
            spec.it.summary,
        )
        assert translation.live and translation.alias_of_id is None


def test_every_english_article_has_its_italian_translation(seeded, db):
    italian = _italian()
    for category, spec in ARTICLES:
        page = ArticlePage.objects.get(locale=_english(), slug=english_slug(spec.en))
        assert page.get_parent().slug == category.slug
        translation = page.get_translation(italian)
        assert translation.live and not translation.has_unpublished_changes
        assert translation.alias_of_id is None
        assert translation.get_parent().specific.title == category.it.title
        assert (translation.title, translation.slug) == (spec.it.title, spec.it.slug)
        assert translation.title != page.title
        assert translation.body_text and translation.body_text != page.body_text
        assert translation.summary == spec.it.summary
        assert set(translation.tags.names()) == set(spec.it.tags)
        assert set(page.tags.names()) == set(spec.en.tags)
        assert translation.audience == page.audience == spec.audience
        assert set(translation.products.values_list("slug", flat=True)) == set(
            page.products.values_list("slug", flat=True)
        )
        assert translation.url.startswith("/it/kb/")


def test_the_first_demo_articles_are_where_other_code_finds_them(seeded, db):
    lost = ArticlePage.objects.get(slug="lost-or-stolen-card")
    assert set(lost.products.values_list("slug", flat=True)) == {"debit-card", "credit-card"}
    assert lost.url == "/kb/cards-and-payments/lost-or-stolen-card/"
    assert ArticlePage.objects.get(slug="router-keeps-restarting").locale == _english()
    assert ArticlePage.objects.filter(audience=Audience.AGENTS, locale=_italian()).exists()


def test_long_articles_show_a_table_of_contents_in_italian(seeded, db):
    page = ArticlePage.objects.get(slug="reimpostare-la-password")
    assert [entry["text"] for entry in page.toc] == [
        text["text"]
        for kind, text in _by_title()["Reset your password"][1].it.body
        if kind == "heading"
    ]
    assert len(page.toc) >= 4


def test_italian_pages_serve_at_it(seeded, db, client):
    response = client.get("/it/kb/carte-e-pagamenti/bloccare-la-carta/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bloccare la carta" in html and "Blocco temporaneo" in html
    assert 'lang="it"' in html
    response = client.get("/kb/cards-and-payments/block-your-card/")
    assert response.status_code == 200
    assert "Temporary block" in response.content.decode()
    category = client.get("/it/kb/ordini-e-spedizioni/")
    assert category.status_code == 200
    assert "Restituire un prodotto" in category.content.decode()
