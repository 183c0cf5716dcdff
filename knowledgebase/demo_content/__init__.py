"""The demo help centre, in English and Italian: plain data, one module per category.

``CATEGORIES`` lists the categories in menu order, each with its articles; ``INDEX`` holds
both languages' title and introduction of the knowledge-base index page. The seeding
(``knowledgebase.demo.seed_kb``) turns them into Wagtail pages: the English pages first,
then their Italian translations.
"""

from __future__ import annotations

from knowledgebase.demo_content import (
    account_billing,
    cards_payments,
    connectivity,
    orders_delivery,
    privacy,
)
from knowledgebase.demo_content.blocks import Article, Category, Text

INDEX = Category(
    slug="kb",
    en=Text(
        title="Help centre",
        summary="Answers to common questions about your account and bills, cards and payments, "
        "connectivity, orders and delivery, and privacy.",
    ),
    it=Text(
        title="Centro assistenza",
        slug="kb",  # as in English: the Italian help centre is /it/kb/
        summary="Le risposte alle domande più frequenti su account, carte, pagamenti, "
        "connessione, ordini e privacy.",
    ),
)

CATEGORIES: tuple[Category, ...] = (
    account_billing.CATEGORY,
    cards_payments.CATEGORY,
    connectivity.CATEGORY,
    orders_delivery.CATEGORY,
    privacy.CATEGORY,
)

ARTICLES: tuple[tuple[Category, Article], ...] = tuple(
    (category, article) for category in CATEGORIES for article in category.articles
)

__all__ = ["ARTICLES", "CATEGORIES", "INDEX", "Article", "Category", "Text"]
