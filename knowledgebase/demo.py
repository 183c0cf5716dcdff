"""Idempotent demo content for the knowledge base: the help centre of
``knowledgebase.demo_content`` (five categories, 34 articles) in English and Italian.

The English pages are created and published first, then each gets its Italian translation
through ``knowledgebase.translation.translate_page`` (the alias that publishing the English
page leaves in the Italian tree becomes the translation). Products are attached by slug when
they exist (``portal.Product``). Running it again adds only what is missing: a page already
there is left as it is, so an editor's changes survive. ``seed_demo`` runs it through
``KnowledgebaseConfig.demo_seed`` (``seed``); ``manage.py seed_kb`` runs it alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Locale, Page
from wagtail.search import index

from knowledgebase.demo_content import ARTICLES, CATEGORIES, INDEX, Article, Category, Text
from knowledgebase.models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage
from knowledgebase.translation import source_language, translate_page
from portal.models import Product

TRANSLATION_LANGUAGE = "it"
REVIEW_STEP_DAYS = 30  # the demo articles were last reviewed 0, 30, 60 ... 330 days ago


@transaction.atomic
def seed_kb() -> int:
    """Create the demo categories and articles that are missing, in English and Italian;
    returns how many article pages were created, in both languages (0 on a second run, or
    when there is no knowledge-base index page)."""
    source = Locale.objects.filter(language_code=source_language()).first()
    kb = KnowledgeBaseIndexPage.objects.filter(locale=source).first()
    if kb is None:
        return 0
    italian = Locale.objects.get_or_create(language_code=TRANSLATION_LANGUAGE)[0]
    _seed_index(kb, italian)
    categories = {spec.slug: _seed_category(kb, spec, italian) for spec in CATEGORIES}
    products = {product.slug: product for product in Product.objects.all()}
    today = timezone.localdate()
    created = 0
    for number, (category, spec) in enumerate(ARTICLES):
        reviewed = today - timedelta(days=REVIEW_STEP_DAYS * (number % 12))
        page, new = _english_article(categories[category.slug], spec, products, reviewed)
        created += new + _italian_article(page, spec.it, italian)
        if new:
            # Published once its translation exists, so that no alias is made for it first.
            page.save_revision().publish()
            _index(page)
    return created


def seed(*, now: datetime) -> str:
    """``KnowledgebaseConfig.demo_seed``: what ``seed_demo`` prints after "knowledge-base
    articles created:"."""
    return str(seed_kb())


def english_slug(text: Text) -> str:
    """The slug of an English demo page: given, or made from its title."""
    return text.slug or slugify(text.title)[:80]


# --- the pages ---------------------------------------------------------------------------
def _seed_index(kb: KnowledgeBaseIndexPage, italian: Locale) -> None:
    """The index's texts, set once: while the page has never been saved from the editor (the
    migrations create it without a revision) or has no Italian translation yet."""
    intro = _intro(INDEX.en)
    if kb.get_latest_revision() is None and kb.intro != intro:
        kb.intro = intro
        kb.save_revision().publish()
    translation = kb.get_translation_or_none(italian)
    if translation is None or translation.alias_of_id or translation.get_latest_revision() is None:
        # The Italian index keeps its slug ("kb": /it/kb/, like the English one).
        translate_page(kb, italian, title=INDEX.it.title, intro=_intro(INDEX.it))


def _seed_category(kb: KnowledgeBaseIndexPage, spec: Category, italian: Locale) -> CategoryPage:
    category = CategoryPage.objects.child_of(kb).filter(slug=spec.slug).first()
    if category is None:
        category = CategoryPage(title=spec.en.title, slug=spec.slug, intro=spec.en.summary)
        kb.add_child(instance=category)
        _translate_category(category, spec, italian)
        category.save_revision().publish()  # after its translation: no alias made first
    elif _needs_translation(category, italian):
        _translate_category(category, spec, italian)
    return category


def _translate_category(category: CategoryPage, spec: Category, italian: Locale) -> None:
    _copy_into(category, italian, spec.it.slug)
    translate_page(category, italian, title=spec.it.title, slug=spec.it.slug, intro=spec.it.summary)


def _english_article(
    category: CategoryPage, spec: Article, products: dict[str, Product], reviewed
) -> tuple[ArticlePage, int]:
    """The English article, created (live, not yet published from a revision) when missing,
    and 1 if it was created."""
    slug = english_slug(spec.en)
    page = ArticlePage.objects.child_of(category).filter(slug=slug).first()
    if page is not None:
        return page, 0
    page = ArticlePage(
        title=spec.en.title,
        slug=slug,
        summary=spec.en.summary,
        body=spec.en.body,
        audience=spec.audience,
        last_reviewed=reviewed,
        search_description=spec.en.summary,
    )
    category.add_child(instance=page)
    page.tags.add(*spec.en.tags)
    page.products.set([products[s] for s in spec.products if s in products])
    return page, 1


def _italian_article(page: ArticlePage, text: Text, italian: Locale) -> int:
    """The Italian translation of ``page`` (made and indexed when missing); 1 if made."""
    if not _needs_translation(page, italian):
        return 0
    _copy_into(page, italian, text.slug)
    translation = translate_page(
        page,
        italian,
        title=text.title,
        slug=text.slug,
        summary=text.summary,
        body=text.body,
        search_description=text.summary,
        tags=list(text.tags),
    )
    _index(translation)
    return 1


def _copy_into(page: Page, locale: Locale, slug: str) -> None:
    """A draft copy of ``page`` in ``locale``'s tree under ``slug``, when it has neither a
    translation nor an alias there yet; ``translate_page`` then fills it in and publishes it.

    Made before the English page is published, it spares the alias that publishing would
    otherwise create (and ``translate_page`` convert). The copy takes its slug at once, before
    it is ever published or linked to: changing it on publish would leave a redirect from an
    address that never served anything (``wagtail.contrib.redirects``)."""
    if page.get_translation_or_none(locale) is not None:
        return
    copy = page.copy_for_translation(locale, copy_parents=True)
    parent = copy.get_parent()
    copy.slug = slug
    copy.set_url_path(parent)
    Page.objects.filter(pk=copy.pk).update(slug=copy.slug, url_path=copy.url_path)


def _needs_translation(page: Page, locale: Locale) -> bool:
    """No page of ``locale`` in ``page``'s translation group, or only an alias standing in."""
    translation = page.get_translation_or_none(locale)
    return translation is None or bool(translation.alias_of_id)


def _index(page: ArticlePage) -> None:
    # Index now too (the task queue may have no worker yet in a fresh demo).
    index.insert_or_update_object(ArticlePage.objects.get(pk=page.pk))


def _intro(text: Text) -> str:
    return f"<p>{text.summary}</p>"
