"""Knowledge-base API: list/search and read articles, suggestions for a ticket text.

Mounted at /api/v1/kb/. Anonymous callers (and integration tokens, which act for no user)
see public articles only; signed-in customers also see customer articles; agents see all.
Lists and suggestions hold the articles of one language, ``lang`` (default: the request's
language): translations, and English articles not yet translated (aliases, ``translated``
false). An article read by id is that page, in whatever language it is.
"""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from knowledgebase import search as kb_search
from knowledgebase import services, spelling
from knowledgebase.models import ArticlePage
from knowledgebase.text import QUERY_MAX_LENGTH, normalise_query
from knowledgebase.translation import active_language, content_languages, is_missing_translation
from portal.api.auth import SessionAuth, TokenAuth
from portal.api.schemas import Id

SUGGEST_TEXT_MAX = 5000


def _anonymous(request):
    """Public endpoints still accept a token or a session; without one, the caller is
    anonymous (public articles only)."""
    return True


router = Router(tags=["knowledge base"], auth=[TokenAuth(), SessionAuth(), _anonymous])


class ArticleOut(Schema):
    id: int
    title: str
    summary: str
    url: str
    audience: str
    tags: list[str]
    products: list[str]
    last_published_at: datetime | None
    reading_time: int
    language: str = Field(description="The language of the page's tree (its URL).")
    translated: bool = Field(
        description="False when the page stands in for a missing translation (English text)."
    )


class ArticleDetailOut(ArticleOut):
    body_html: str
    body_text: str


class ArticleList(Schema):
    count: int
    items: list[ArticleOut]
    corrected: str = Field(
        "", description="The spelling-corrected query searched instead, when q found nothing."
    )


class ListFilters(Schema):
    q: str = ""
    category: Id | None = None
    product: str | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)
    lang: str = Field("", description="en or it; default: the request's language.")


def _language(lang: str) -> str:
    if not lang:
        return active_language()
    if lang not in content_languages():
        raise HttpError(
            422, _("lang must be one of: %(codes)s.") % {"codes": ", ".join(content_languages())}
        )
    return lang


def _article_out(article: ArticlePage, request, *, url_suffix: str = "") -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "summary": article.summary,
        "url": request.build_absolute_uri(article.get_url(request=request) or "/") + url_suffix,
        "audience": article.audience,
        "tags": sorted(tag.name for tag in article.tags.all()),
        "products": sorted(p.slug for p in article.products.all()),
        "last_published_at": article.last_published_at,
        "reading_time": article.reading_time,
        "language": article.locale.language_code,
        "translated": not is_missing_translation(article),
    }


def _with_relations(articles):
    return articles.select_related("locale", "alias_of").prefetch_related("tags", "products")


@router.get("/articles", response=ArticleList, summary="List or search articles")
def article_list(request, filters: Query[ListFilters]):
    if len(filters.q) > QUERY_MAX_LENGTH * 10:
        raise HttpError(422, _("The query is too long."))
    language = _language(filters.lang)
    params = kb_search.SearchParams(
        query=normalise_query(filters.q), category=filters.category, product=filters.product
    )
    source = kb_search.ArticleSource()
    articles = source.queryset(params, user=request.user).in_language(language)
    window = slice(filters.offset, filters.offset + filters.limit)
    corrected = ""
    if params.backend_query:
        results = _search(articles, params.backend_query.split(), language)
        count = results.count()
        fixed = None if count else spelling.correct(params.backend_query.split(), user=request.user)
        if fixed:
            retry = _search(articles, fixed, language)
            if retry_count := retry.count():
                results, count, corrected = retry, retry_count, " ".join(fixed)
        page = list(results[window])
        by_id = {
            a.pk: a
            for a in _with_relations(ArticlePage.objects.filter(pk__in=[a.pk for a in page]))
        }
        page = [by_id[a.pk] for a in page]
    else:
        ordered = _with_relations(articles.order_by("title"))
        count = ordered.count()
        page = list(ordered[window])
    return {
        "count": count,
        "items": [_article_out(a, request) for a in page],
        "corrected": corrected,
    }


def _search(articles, words: list[str], language: str):
    """``articles`` matching every word, searched with ``language``'s stemming and stop words
    (as the search page does: ``knowledgebase.search_backend``)."""
    from modelsearch.query import PlainText

    from knowledgebase.search_backend import language_backend, query_words

    backend = language_backend(language)
    prepared = query_words(backend, words, language)
    if not prepared:
        return articles.none()
    return backend.search(PlainText(" ".join(prepared), operator="and"), articles)


@router.get("/articles/{article_id}", response=ArticleDetailOut, summary="One article")
def article_detail(request, article_id: Id):
    article = get_object_or_404(
        _with_relations(ArticlePage.objects.visible_to(request.user)), pk=article_id
    )
    return {
        **_article_out(article, request),
        "body_html": str(article.body),
        "body_text": article.body_text,
    }


@router.get("/suggest", response=list[ArticleOut], summary="Articles that may answer a text")
def suggest(request, text: str = "", limit: int = 5, lang: str = ""):
    """For the ticket form: articles likely to answer the ticket's text, in ``lang`` (default:
    the request's language) first. Links carry ``?via=suggest`` so a view can later count as a
    deflection."""
    if len(text) > SUGGEST_TEXT_MAX:
        raise HttpError(422, _("The text is too long."))
    if not 1 <= limit <= 20:
        raise HttpError(422, _("limit must be 1-20."))
    language = _language(lang)
    found = services.articles_suggest(text=text, user=request.user, limit=limit, language=language)
    articles = _as_read_in(found, language, user=request.user)
    return [_article_out(a, request, url_suffix="?via=suggest") for a in articles]


def _as_read_in(articles: list[ArticlePage], language: str, *, user) -> list[ArticlePage]:
    """``articles`` (with their relations) each as the page of ``language``'s tree when it
    has one (a translation, or the alias showing the English text under /it/), else as found;
    each article once."""
    keys = [a.translation_key for a in articles]
    local = {
        a.translation_key: a
        for a in _with_relations(
            ArticlePage.objects.visible_to(user)
            .in_language(language)
            .filter(translation_key__in=keys)
        )
    }
    others = {
        a.pk: a
        for a in _with_relations(ArticlePage.objects.filter(pk__in=[a.pk for a in articles]))
    }
    chosen: dict = {}
    for article in articles:
        chosen.setdefault(
            article.translation_key, local.get(article.translation_key) or others[article.pk]
        )
    return list(chosen.values())
