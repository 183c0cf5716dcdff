"""Reads for the knowledge-base pages (always through ``ArticlePage.objects.visible_to``).

Lists show the articles of one language (``in_language``: the reader's, translations and
aliases standing in for missing ones), never a mix; an article read in another language
counts for its version in the reader's language (same ``translation_key``). Views and
feedback stay per page."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgebase.models import ArticleFeedback, ArticlePage, RelatedArticle
from portal.models import Interaction, InteractionKind
from portal.services.interactions import visitor_hash

POPULAR_CACHE_KEY = "kb:popular-ids"
POPULAR_DAYS = 90


def popular_article_ids(*, days: int = POPULAR_DAYS, limit: int = 50) -> list[int]:
    """Most-viewed article ids over the last ``days`` (cached ten minutes)."""
    ids = cache.get(POPULAR_CACHE_KEY)
    if ids is None:
        ct = ContentType.objects.get_for_model(ArticlePage)
        rows = (
            Interaction.objects.filter(
                kind=InteractionKind.KB_VIEW,
                target_type=ct,
                occurred_at__gte=timezone.now() - timedelta(days=days),
            )
            .values("target_id")
            .annotate(n=Count("id"))
            .order_by("-n", "target_id")[:limit]
        )
        ids = [int(row["target_id"]) for row in rows if row["target_id"].isdigit()]
        cache.set(POPULAR_CACHE_KEY, ids, 600)
    return ids


def _same_articles_in(visible, ids: list[int]) -> list[ArticlePage]:
    """The articles of ``visible`` (one language) that are ``ids`` or their versions in
    another language, in the order of ``ids``, each once."""
    keys = list(ArticlePage.objects.filter(pk__in=ids).values_list("pk", "translation_key"))
    key_of = dict(keys)
    by_key = {a.translation_key: a for a in visible.filter(translation_key__in=key_of.values())}
    chosen: list[ArticlePage] = []
    for i in ids:
        article = by_key.get(key_of.get(i))
        if article is not None and article not in chosen:
            chosen.append(article)
    return chosen


def popular_articles(*, user, limit: int = 6, language: str | None = None) -> list[ArticlePage]:
    """Most-viewed articles the user may read in ``language`` (the active one by default),
    topped up with the most recently published. An article ranks by its most-viewed version."""
    ids = popular_article_ids()
    visible = ArticlePage.objects.visible_to(user).in_language(language)
    chosen = _same_articles_in(visible, ids)[:limit]
    if len(chosen) < limit:
        chosen += list(
            visible.exclude(pk__in=[a.pk for a in chosen]).order_by("-first_published_at")[
                : limit - len(chosen)
            ]
        )
    return chosen


def related_articles(article: ArticlePage, *, user, limit: int = 5) -> list[ArticlePage]:
    """Editor-chosen related articles first (those the user may read, in the article's
    language), then automatic ones sharing tags or products."""
    visible = ArticlePage.objects.visible_to(user).filter(locale_id=article.locale_id)
    chosen_ids = list(
        RelatedArticle.objects.filter(page=article)
        .order_by("sort_order")
        .values_list("article_id", flat=True)
    )
    chosen = [a for a in _same_articles_in(visible, chosen_ids) if a.pk != article.pk][:limit]
    if len(chosen) < limit:
        chosen += list(
            article.related_automatic(
                user=user, exclude=[a.pk for a in chosen], limit=limit - len(chosen)
            )
        )
    return chosen


def feedback_of(article: ArticlePage, request) -> ArticleFeedback | None:
    """The current voter's answer on ``article``, if any."""
    if request.user.is_authenticated:
        return ArticleFeedback.objects.filter(article=article, user=request.user).first()
    key = getattr(getattr(request, "session", None), "session_key", None)
    if not key:
        return None
    return ArticleFeedback.objects.filter(
        article=article, user=None, visitor=visitor_hash(key)
    ).first()


def _url(name: str) -> str | None:
    """The named page's URL in the active language (``/it/community/`` on an Italian page), or
    None when its app is not installed."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


HELP_PATHS = [
    (
        "community:index",
        _("Ask the community"),
        _("Other customers and our staff answer questions."),
    ),
    (
        "catalogue:index",
        _("Do it yourself"),
        _("Reset a password, block a card, change an address."),
    ),
    ("tickets:new", _("Contact support"), _("Open a ticket; we reply within one working day.")),
]


def help_links() -> list[dict[str, str]]:
    """The "still need help?" paths that exist in this installation (features come online
    one by one), falling back to the account page and the support email; URLs and texts in
    the active language."""
    links = [
        {"url": url, "label": str(label), "hint": str(hint)}
        for name, label, hint in HELP_PATHS
        if (url := _url(name)) is not None
    ]
    if _url("tickets:new") is None:
        email = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()
        links.append(
            {
                "url": f"mailto:{email}",
                "label": str(_("Email support")),
                "hint": email,
            }
        )
        links.append(
            {
                "url": reverse("portal:me"),
                "label": str(_("Your account")),
                "hint": str(_("Requests, settings")),
            }
        )
    return links
