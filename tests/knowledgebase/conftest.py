"""Knowledge-base fixtures: a small corpus under the /kb/ index.

- "Cards and payments" > "Lost or stolen card" (public), "Card PIN reset" (customers only)
- "Connectivity" > "Router keeps restarting" (public)
- "Escalation playbook for card fraud" (agents only, internal)
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils.text import slugify
from wagtail.search import index

from knowledgebase.models import ArticlePage, Audience, CategoryPage, KnowledgeBaseIndexPage
from portal.models import Product


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kb_index(db) -> KnowledgeBaseIndexPage:
    return KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")


def make_category(parent, title: str) -> CategoryPage:
    category = CategoryPage(title=title, slug=slugify(title), intro=f"All about {title.lower()}.")
    parent.add_child(instance=category)
    return category


def make_article(
    parent,
    title: str,
    *,
    summary: str = "",
    paragraphs: tuple[str, ...] = (),
    headings: tuple[str, ...] = (),
    audience: str = Audience.PUBLIC,
    tags: tuple[str, ...] = (),
    products=(),
    related=(),
    live: bool = True,
) -> ArticlePage:
    body = []
    for i, text in enumerate(paragraphs):
        if i < len(headings):
            body.append(("heading", {"text": headings[i], "level": "h2"}))
        body.append(("text", f"<p>{text}</p>"))
    article = ArticlePage(
        title=title,
        slug=slugify(title),
        summary=summary or f"{title}: what to do.",
        body=body,
        audience=audience,
        live=live,
    )
    parent.add_child(instance=article)
    if tags:
        article.tags.add(*tags)
    if products:
        article.products.set(products)
    for other in related:
        article.related_links.create(article=other)
    revision = article.save_revision()
    if live:
        revision.publish()
    else:
        article.unpublish()
    article = ArticlePage.objects.get(pk=article.pk)
    # Index now, whatever task backend is configured (the index is otherwise updated by a task).
    index.insert_or_update_object(article)
    return article


@pytest.fixture
def cards_product(db) -> Product:
    return Product.objects.create(name="Debit card", slug="debit-card", kind="product")


@pytest.fixture
def fibre_product(db) -> Product:
    return Product.objects.create(name="Home fibre", slug="home-fibre")


@pytest.fixture
def corpus(kb_index, cards_product, fibre_product) -> dict[str, ArticlePage]:
    cards = make_category(kb_index, "Cards and payments")
    net = make_category(kb_index, "Connectivity")
    lost = make_article(
        cards,
        "Lost or stolen card",
        summary="Block your card straight away and order a replacement.",
        paragraphs=(
            "Open the app and choose Block card. Blocking is instant and free.",
            "A replacement card arrives within five working days.",
        ),
        headings=("Block the card", "Order a replacement"),
        tags=("card", "security"),
        products=[cards_product],
    )
    pin = make_article(
        cards,
        "Card PIN reset",
        summary="Choose a new PIN for your debit card.",
        paragraphs=("You can reset the PIN in the app under Card settings.",),
        audience=Audience.CUSTOMERS,
        tags=("card",),
        products=[cards_product],
    )
    router = make_article(
        net,
        "Router keeps restarting",
        summary="What to check when the fibre router reboots by itself.",
        paragraphs=("Check the power supply, then update the router firmware.",),
        tags=("router",),
        products=[fibre_product],
    )
    internal = make_article(
        cards,
        "Escalation playbook for card fraud",
        summary="Internal steps for agents handling a fraud report.",
        paragraphs=("Call the fraud desk and freeze every card of the customer.",),
        audience=Audience.AGENTS,
        tags=("card", "fraud"),
        products=[cards_product],
    )
    return {
        "cards": cards,
        "net": net,
        "lost": lost,
        "pin": pin,
        "router": router,
        "internal": internal,
    }
