"""Community API, mounted at /api/v1/community (the same services and rules as the pages).

Anyone may list and read what they can see (a personal token or a session widens that to the
member's categories); members post questions and answers, vote and accept. Errors are JSON:
401 bad token, 403 not allowed, 404 not visible, 422 refused input, 429 rate limited.

Category names and descriptions are in the language asked for (``?lang=it`` or
``Accept-Language``; English where not translated).

Images cannot be uploaded through the API (JSON bodies only): attach them on the pages. Posts
that have images show them in ``body_html`` (URLs that only the thread's readers may open).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from community import selectors, services
from community.models import Category, Post, Thread
from community.services.common import BODY_MAX, TAGS_MAX, TITLE_MAX, TITLE_MIN
from portal.api.auth import SessionAuth, TokenAuth, allow, is_person
from portal.api.schemas import ErrorOut, Id, StrictSchema
from portal.i18n.api import LANG_OPENAPI, in_request_language
from portal.idempotency import idempotency_openapi, idempotent
from portal.models import Product
from portal.services.errors import ServiceError

MEMBERS = gettext_lazy(
    "Sign in with a personal token: integration tokens do not belong to a member."
)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _anyone(request) -> bool:
    """Reading is public: a token or session is used when sent, else the caller is anonymous."""
    return True


PUBLIC = [TokenAuth(), SessionAuth(), _anyone]
MEMBER = allow(is_person, MEMBERS)
router = Router(tags=["community"], auth=PUBLIC)


# --- schemas -------------------------------------------------------------------------------
class CategoryOut(Schema):
    slug: str
    name: str
    description: str
    visibility: str


class ThreadOut(Schema):
    id: int
    kind: str
    title: str
    category: str
    author: str
    tags: list[str]
    score: int
    answer_count: int
    view_count: int
    is_solved: bool
    is_locked: bool
    is_pinned: bool
    pending: bool
    accepted_answer_id: int | None
    created_at: datetime
    last_activity_at: datetime
    url: str


class PostOut(Schema):
    id: int
    author: str
    staff: bool
    accepted: bool
    score: int
    status: str
    body: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None


class ThreadDetailOut(ThreadOut):
    question: PostOut
    answers: list[PostOut]
    answers_total: int


class ThreadList(Schema):
    count: int
    items: list[ThreadOut]


class ThreadFilters(Schema):
    category: str | None = Field(None, max_length=80, description="A category slug.")
    kind: Literal["question", "discussion"] | None = None
    state: Literal["unanswered", "unsolved", "solved"] | None = None
    sort: Literal["activity", "votes", "new"] = "activity"
    q: str = Field("", max_length=200, description="Words that must all appear.")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class AnswerPage(Schema):
    limit: int = Field(30, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000)


class ThreadIn(StrictSchema):
    category: str = Field(max_length=80, description="A category slug you may post in.")
    title: str = Field(min_length=TITLE_MIN, max_length=TITLE_MAX)
    body: str = Field(min_length=1, max_length=BODY_MAX)
    kind: Literal["question", "discussion"] = "question"
    tags: list[str] = Field(default_factory=list, max_length=TAGS_MAX)
    products: list[str] = Field(default_factory=list, max_length=10, description="Slugs.")


class AnswerIn(StrictSchema):
    body: str = Field(min_length=1, max_length=BODY_MAX)


class VoteIn(StrictSchema):
    value: Literal[-1, 0, 1] = Field(description="+1 up, -1 down, 0 takes the vote back.")


class VoteOut(Schema):
    post_id: int
    score: int
    my_vote: int


class AcceptIn(StrictSchema):
    post_id: Id | None = Field(description="The answer to accept; null un-accepts.")


# --- helpers -------------------------------------------------------------------------------
def _name(user) -> str:
    return user.get_full_name() if user is not None else ""


def _thread_out(thread: Thread, request) -> dict:
    return {
        "id": thread.pk,
        "kind": thread.kind,
        "title": thread.title,
        "category": thread.category.slug,
        "author": _name(thread.author),
        "tags": sorted(tag.name for tag in thread.tags.all()),
        "score": thread.score,
        "answer_count": thread.answer_count,
        "view_count": thread.view_count,
        "is_solved": thread.is_solved,
        "is_locked": thread.is_locked,
        "is_pinned": thread.is_pinned,
        "pending": thread.is_pending,
        "accepted_answer_id": thread.accepted_answer_id,
        "created_at": thread.created_at,
        "last_activity_at": thread.last_activity_at,
        "url": request.build_absolute_uri(thread.get_absolute_url()),
    }


def _post_out(post: Post, thread: Thread) -> dict:
    return {
        "id": post.pk,
        "author": _name(post.author),
        "staff": post.is_staff_answer,
        "accepted": post.pk == thread.accepted_answer_id,
        "score": post.score,
        "status": post.status,
        "body": post.body_markdown,
        "body_html": post.body_html,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
    }


def _thread(request, thread_id: int) -> Thread:
    return get_object_or_404(
        Thread.objects.visible_to(request.user).select_related("category", "author"),
        pk=thread_id,
    )


def _detail(request, thread: Thread, page: AnswerPage | None = None) -> dict:
    page = page or AnswerPage()
    question = Post.objects.select_related("author").get(thread=thread, is_question=True)
    answers = selectors.thread_answers(thread, request.user, rejected=False)
    return {
        **_thread_out(thread, request),
        "question": _post_out(question, thread),
        "answers": [_post_out(p, thread) for p in answers[page.offset : page.offset + page.limit]],
        "answers_total": answers.count(),
    }


# --- endpoints ---------------------------------------------------------------------------
@router.get(
    "/categories",
    response={200: list[CategoryOut], **ERRORS},
    summary="Categories",
    openapi_extra=LANG_OPENAPI,
)
@in_request_language
def category_list(request):
    return [
        {
            "slug": category.slug,
            "name": category.tr.name,
            "description": category.tr.description,
            "visibility": category.visibility,
        }
        for category in Category.objects.visible_to(request.user)
    ]


@router.get("/threads", response={200: ThreadList, **ERRORS}, summary="List threads")
def thread_list(request, filters: Query[ThreadFilters]):
    """Threads you may see, most recently active first (or by votes, or newest); with ``q``,
    a full-text search (every word must match), best match first."""
    threads = selectors.threads_listed(request.user)
    if filters.category:
        category = Category.objects.visible_to(request.user).filter(slug=filters.category).first()
        if category is None:
            raise HttpError(404, _("There is no such category."))
        threads = threads.filter(category=category)
    if filters.kind:
        threads = threads.filter(kind=filters.kind)
    if filters.state == "unanswered":
        threads = threads.filter(kind=Thread.Kind.QUESTION, answer_count=0)
    elif filters.state == "unsolved":
        threads = threads.filter(kind=Thread.Kind.QUESTION, is_solved=False)
    elif filters.state == "solved":
        threads = threads.filter(is_solved=True)
    if filters.q.strip():
        from community.search import threads_matching

        threads = threads_matching(filters.q, user=request.user, among=threads)
    else:
        threads = threads.order_by(*selectors.SORTS[filters.sort])
    page = list(threads[filters.offset : filters.offset + filters.limit])
    prefetch_related_objects(page, "tags")
    return {"count": threads.count(), "items": [_thread_out(t, request) for t in page]}


@router.get(
    "/threads/{thread_id}", response={200: ThreadDetailOut, **ERRORS}, summary="Read a thread"
)
def thread_detail(request, thread_id: Id, page: Query[AnswerPage]):
    """The question and its answers (accepted first, then by score)."""
    return _detail(request, _thread(request, thread_id), page)


@router.post(
    "/threads",
    response={201: ThreadDetailOut, **ERRORS},
    auth=MEMBER,
    summary="Ask a question or start a discussion",
    openapi_extra=idempotency_openapi(),
)
@idempotent
def thread_create(request, payload: ThreadIn):
    """Markdown text only: images can be attached on the pages, not through the API."""
    category = Category.objects.visible_to(request.user).filter(slug=payload.category).first()
    if category is None:
        raise ServiceError(fields={"category": _("There is no such category you may post in.")})
    products = list(Product.objects.filter(slug__in=payload.products))
    if len(products) != len(set(payload.products)):
        raise ServiceError(fields={"products": _("Unknown product.")})
    thread = services.thread_ask(
        author=request.user,
        category=category,
        title=payload.title,
        body=payload.body,
        kind=payload.kind,
        tags=payload.tags,
        products=products,
    )
    return Status(201, _detail(request, _thread(request, thread.pk)))


@router.post(
    "/threads/{thread_id}/answers",
    response={201: PostOut, **ERRORS},
    auth=MEMBER,
    summary="Answer a question (or reply to a discussion)",
    openapi_extra=idempotency_openapi(),
)
@idempotent
def answer_create(request, thread_id: Id, payload: AnswerIn):
    """Markdown text only: images can be attached on the pages, not through the API."""
    thread = _thread(request, thread_id)
    post = services.post_answer(thread=thread, author=request.user, body=payload.body)
    return Status(201, _post_out(post, thread))


@router.post(
    "/posts/{post_id}/vote", response={200: VoteOut, **ERRORS}, auth=MEMBER, summary="Vote"
)
def vote(request, post_id: Id, payload: VoteIn):
    post = get_object_or_404(Post.objects.visible_to(request.user), pk=post_id)
    post = services.vote_cast(post=post, voter=request.user, value=payload.value)
    return {"post_id": post.pk, "score": post.score, "my_vote": payload.value}


@router.post(
    "/threads/{thread_id}/accept",
    response={200: ThreadOut, **ERRORS},
    auth=MEMBER,
    summary="Accept an answer (the asker or a moderator)",
)
def accept(request, thread_id: Id, payload: AcceptIn):
    thread = _thread(request, thread_id)
    if payload.post_id is None:
        services.answer_unaccept(thread=thread, user=request.user)
    else:
        post = Post.objects.filter(pk=payload.post_id, thread=thread).first()
        if post is None:
            raise ServiceError(fields={"post_id": _("Choose a published answer of this question.")})
        services.answer_accept(thread=thread, post=post, user=request.user)
    return _thread_out(_thread(request, thread_id), request)
