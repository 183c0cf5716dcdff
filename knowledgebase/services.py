"""Writes for the knowledge base: views, feedback, engagement, search logging, deflection.

Every function here is the one path for its write; views, the API and commands call them.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import batched
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from knowledgebase.models import (
    ArticleFeedback,
    ArticlePage,
    EngagementEvent,
    SearchClick,
    SearchQuery,
    SuggestionView,
)
from knowledgebase.recontacts import recontacts_record
from knowledgebase.text import normalise_query
from portal import roles
from portal.models import InteractionKind
from portal.ratelimit import rate_limit
from portal.services.interactions import interaction_record, visitor_hash

if TYPE_CHECKING:
    from django.http import HttpRequest

FEEDBACK_RATE = (10, 600)  # at most 10 votes per voter per 10 minutes
BEACON_RATE = (120, 600)
COMMENT_MAX = 1000
SECONDS_MAX = 6 * 60 * 60


def session_key_for(request: HttpRequest) -> str:
    """The session key of an anonymous visitor (creating the session if needed); "" if signed in."""
    if request.user.is_authenticated:
        return ""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    if not session.session_key:
        session.save()
    return session.session_key or ""


def _voter(user, session_key: str) -> tuple[object | None, str]:
    if user is not None and user.is_authenticated:
        return user, ""
    if not session_key:
        raise ValueError("an anonymous voter needs a session")
    return None, visitor_hash(session_key)


def _rate_limit(bucket: str, voter: str, rate: tuple[int, int]) -> None:
    """``RateLimited`` (``portal.ratelimit``) when the voter wrote too often in the window."""
    rate_limit(f"kb:rate:{bucket}:{voter}", rate=rate)


def _voter_key(user, visitor: str) -> str:
    return f"u{user.pk}" if user is not None else f"v{visitor}"


@transaction.atomic
def article_view_record(
    *, article: ArticlePage, user, session_key: str = "", via: str = ""
) -> None:
    """Log a view (interaction KB_VIEW); a view from a ticket-form suggestion starts a
    ``SuggestionView`` that later settles into a deflection or a ticket."""
    interaction_record(
        kind=InteractionKind.KB_VIEW,
        user=user,
        session_key=session_key or None,
        target=article,
        metadata={"via": via[:32]} if via else None,
    )
    if via == "suggest" and not roles.is_agent(user):
        voter, visitor = (
            (user, "") if user.is_authenticated else (None, visitor_hash(session_key or "-"))
        )
        SuggestionView.objects.create(article=article, user=voter, visitor=visitor)


def visitor_view_record(*, article: ArticlePage, session_key: str, via: str = "") -> None:
    """An anonymous visitor's view, reported by the page's beacon (rate-limited like it)."""
    _rate_limit("beacon", _voter_key(None, visitor_hash(session_key or "-")), BEACON_RATE)
    article_view_record(article=article, user=AnonymousUser(), session_key=session_key, via=via)


@transaction.atomic
def feedback_submit(
    *, article: ArticlePage, user, session_key: str = "", helpful: bool, comment: str = ""
) -> ArticleFeedback:
    """Record or change the voter's "was this helpful?" answer (one per user or session)."""
    voter, visitor = _voter(user, session_key)
    _rate_limit("feedback", _voter_key(voter, visitor), FEEDBACK_RATE)
    comment = (comment or "").strip()[:COMMENT_MAX]
    lookup = {"user": voter} if voter is not None else {"user": None, "visitor": visitor}
    feedback, created = ArticleFeedback.objects.select_for_update().update_or_create(
        article=article, **lookup, defaults={"helpful": helpful, "comment": comment}
    )
    interaction_record(
        kind=InteractionKind.KB_VOTE,
        user=user,
        session_key=session_key or None,
        target=article,
        value=1 if helpful else 0,
        metadata={"changed": not created, "comment": bool(comment)},
    )
    return feedback


@transaction.atomic
def engagement_record(
    *,
    article: ArticlePage,
    user,
    session_key: str = "",
    kind: str,
    seconds: int | None = None,
    target: ArticlePage | None = None,
) -> EngagementEvent:
    if kind not in EngagementEvent.Kind.values:
        raise ValueError("unknown engagement kind")
    if kind == EngagementEvent.Kind.TIME_ON_PAGE and (
        seconds is None or not 0 <= seconds <= SECONDS_MAX
    ):
        raise ValueError("seconds out of range")
    if kind == EngagementEvent.Kind.RELATED_CLICK and target is None:
        raise ValueError("a related click needs a target")
    voter, visitor = _voter(user, session_key)
    _rate_limit("beacon", _voter_key(voter, visitor), BEACON_RATE)
    return EngagementEvent.objects.create(
        article=article,
        kind=kind,
        seconds=seconds if kind == EngagementEvent.Kind.TIME_ON_PAGE else None,
        target=target,
        user=voter,
        visitor=visitor,
    )


@transaction.atomic
def search_log(
    *,
    query: str,
    filters: dict[str, str],
    page: int,
    result_count: int,
    user,
    session_key: str = "",
    corrected: str = "",
) -> SearchQuery:
    """Log one search (normalised query, the spelling correction searched instead if any,
    filters, result count) and its SEARCH interaction."""
    normalised = normalise_query(query)
    voter = user if user is not None and user.is_authenticated else None
    search = SearchQuery.objects.create(
        query=normalised,
        corrected=normalise_query(corrected),
        filters=filters,
        page=page,
        result_count=result_count,
        user=voter,
        visitor="" if voter or not session_key else visitor_hash(session_key),
    )
    interaction_record(
        kind=InteractionKind.SEARCH,
        user=user,
        session_key=session_key or None,
        target=search,
        value=result_count,
        metadata={
            "query": normalised,
            "results": result_count,
            "filters": filters,
            "page": page,
            **({"corrected": normalise_query(corrected)} if corrected else {}),
        },
    )
    return search


@transaction.atomic
def search_click_record(
    *, search: SearchQuery, source: str, object_id: str, position: int
) -> SearchClick:
    return SearchClick.objects.create(
        search=search, source=source[:32], object_id=str(object_id)[:64], position=position
    )


# --- deflection ---------------------------------------------------------------------------
def articles_suggest(
    *, text: str, user, limit: int = 5, language: str | None = None
) -> list[ArticlePage]:
    """Articles that may answer ``text`` (a ticket subject and description), best first,
    among those ``user`` may read, in ``language`` (default: the active one) first; only
    articles that match with a minimum relevance (``knowledgebase.search.relevant_articles``),
    never padding with unrelated ones."""
    from django.utils import translation

    from knowledgebase.search import relevant_articles

    return relevant_articles(
        text, user=user, language=language or translation.get_language(), limit=limit
    )


def _pending_views(user, session_key: str):
    voter, visitor = (
        (user, "")
        if user is not None and user.is_authenticated
        else (None, visitor_hash(session_key or "-"))
    )
    views = SuggestionView.objects.filter(status=SuggestionView.Status.PENDING)
    if voter is not None:
        return views.filter(user=voter)
    return views.filter(user=None, visitor=visitor)


@transaction.atomic
def deflection_record(*, user, session_key: str = "", article: ArticlePage | None = None) -> int:
    """The visitor read suggested article(s) and did not file the ticket: settle their pending
    suggestion views (only ``article``'s, if given) as deflections, one DEFLECTION interaction
    per article. Returns how many were recorded; calling it twice records nothing more."""
    views = _pending_views(user, session_key).select_for_update()
    if article is not None:
        views = views.filter(article=article)
    return _settle(list(views), SuggestionView.Status.DEFLECTED)


@transaction.atomic
def suggestion_views_ticket_filed(*, user, session_key: str = "") -> int:
    """The ticket form calls this after filing: pending suggestion views did not deflect.
    Returns how many views were settled."""
    views = list(_pending_views(user, session_key).select_for_update())
    _settle(views, SuggestionView.Status.TICKET)
    return len(views)


@transaction.atomic
def deflections_settle(*, older_than: timedelta = timedelta(hours=24)) -> int:
    """Pending suggestion views older than ``older_than`` with no ticket become deflections
    (a periodic task runs this)."""
    cutoff = timezone.now() - older_than
    views = list(
        SuggestionView.objects.select_for_update().filter(
            status=SuggestionView.Status.PENDING, created_at__lt=cutoff
        )
    )
    return _settle(views, SuggestionView.Status.DEFLECTED)


def _settle(views: list[SuggestionView], status: str) -> int:
    now = timezone.now()
    recorded = 0
    seen: set[tuple[int | None, str, int]] = set()
    for view in views:
        view.status, view.settled_at = status, now
        view.save(update_fields=["status", "settled_at"])
        key = (view.user_id, view.visitor, view.article_id)
        if status == SuggestionView.Status.DEFLECTED and key not in seen:
            seen.add(key)
            interaction_record(
                kind=InteractionKind.DEFLECTION,
                user=view.user,
                target=view.article,
                # when the article was read: the re-contact window starts there
                metadata={
                    "read_at": view.created_at.isoformat(),
                    **({"visitor": view.visitor} if view.visitor else {}),
                },
            )
            recorded += 1
    return recorded


# --- periodic work ------------------------------------------------------------------------
def kb_tick() -> dict[str, int]:
    """The knowledge base's periodic pass (``manage.py kb_tick``): publish the pages whose
    scheduled time has come and unpublish expired ones (Wagtail's ``publish_scheduled``), and
    settle suggestion views older than a day into deflections, and reverse the deflections
    that customers came back from (``knowledgebase.recontacts``). Idempotent."""
    from io import StringIO

    from django.core.management import call_command
    from wagtail.models import Page, Revision

    now = timezone.now()
    due = Revision.objects.filter(approved_go_live_at__lt=now).count()
    expired = Page.objects.filter(live=True, expire_at__lt=now).count()
    call_command("publish_scheduled", stdout=StringIO())
    return {
        "scheduled pages published": due,
        "expired pages unpublished": expired,
        "deflections recorded": deflections_settle(),
        "re-contacts recorded": recontacts_record(),
    }


def articles_reindex_below(page) -> int:
    """Re-index the articles at or below ``page`` after it moved: their search entries carry
    the categories above them (``ArticlePage.category_keys``), which a move changes."""
    from wagtail.search.backends import get_search_backend

    articles = ArticlePage.objects.filter(path__startswith=page.path).prefetch_related(
        "tagged_items"
    )
    backend = get_search_backend()
    count = 0
    for chunk in batched(articles.iterator(chunk_size=500), 500):
        backend.add_bulk(ArticlePage, list(chunk))  # one upsert per chunk, not per article
        count += len(chunk)
    return count
