"""Asking, answering and editing: the one path for every post (pages, API, demo)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community.badges import badges_refresh
from community.models import (
    Category,
    MemberProfile,
    Post,
    PostRevision,
    Tag,
    Thread,
    ThreadFollow,
)
from community.rendering import mentioned_handles, render_post
from community.search import thread_reindex
from community.services import notify
from community.services.common import (
    BODY_MAX,
    TAGS_MAX,
    TITLE_MAX,
    TITLE_MIN,
    CommunityError,
    is_moderator,
    lock_thread,
    log,
    profile_for,
    rate_limit,
    record,
    require_member,
)
from community.services.images import images_check, images_store, with_image_references
from portal import roles
from portal.models import InteractionKind, Product
from portal.services.helpers import clean_text, now_or


def _render(body: str) -> tuple[str, list[str]]:
    handles = mentioned_handles(body)
    known = set(MemberProfile.objects.filter(handle__in=handles).values_list("handle", flat=True))
    return render_post(body, handles=known), [h for h in handles if h in known]


def _needs_premoderation(user) -> bool:
    if not settings.COMMUNITY_PREMODERATE_FIRST_POSTS or is_moderator(user):
        return False
    return profile_for(user).approved_post_count == 0


def _tags(names: Iterable[str]) -> list[Tag]:
    tags: list[Tag] = []
    for raw in names:
        name = " ".join(str(raw).split())[:40].strip().lower()
        slug = slugify(name)[:50]
        if not slug or any(t.slug == slug for t in tags):
            continue
        tag = Tag.objects.filter(slug=slug).first() or Tag.objects.create(name=name, slug=slug)
        tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise CommunityError(_("Use at most %(n)d tags.") % {"n": TAGS_MAX})
    return tags


def publish(post: Post, *, now: datetime) -> None:
    """What happens when a post becomes public (on posting, or when a moderator approves it):
    counters, the author's totals, the interaction (``forum_post`` for a thread's start or a
    reply, ``forum_answer`` for an answer: a post that waits and is then rejected never
    counts as posted or answered), mentions and followers notified."""
    thread = post.thread
    author = post.author if post.author_id else None
    if post.is_question:
        record(
            InteractionKind.FORUM_POST,
            user=author,
            target=thread,
            now=now,
            thread_kind=thread.kind,
            post=post.pk,
        )
    else:
        kind = InteractionKind.FORUM_ANSWER if thread.is_question else InteractionKind.FORUM_POST
        record(kind, user=author, target=thread, now=now, post=post.pk)
    profile = profile_for(post.author) if post.author_id else None
    if post.is_question:
        Thread.objects.filter(pk=thread.pk).update(is_pending=False)
        if profile is not None:
            MemberProfile.objects.filter(pk=profile.pk).update(
                question_count=F("question_count") + 1,
                approved_post_count=F("approved_post_count") + 1,
            )
    else:
        fields = {
            "answer_count": F("answer_count") + 1,
            "last_activity_at": now,
            "last_poster_id": post.author_id,
        }
        Thread.objects.filter(pk=thread.pk).update(**fields)
        Thread.objects.filter(pk=thread.pk, first_answer_at__isnull=True).update(
            first_answer_at=post.created_at
        )
        if profile is not None:
            MemberProfile.objects.filter(pk=profile.pk).update(
                answer_count=F("answer_count") + 1,
                approved_post_count=F("approved_post_count") + 1,
            )
    thread.refresh_from_db()
    post.thread = thread
    thread_reindex(thread)
    _body, handles = _render(post.body_markdown)
    notify.mentions_notify(post=post, handles=handles)
    if not post.is_question:
        notify.followers_notify(post=post)
    badges_refresh(post.author)


@transaction.atomic
def thread_ask(
    *,
    author,
    category: Category,
    title: str,
    body: str,
    kind: str = Thread.Kind.QUESTION,
    tags: Iterable[str] = (),
    products: Iterable[Product] = (),
    images: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Thread:
    """Start a thread (a question or a discussion) in ``category``, with optional images
    (``community.services.images``)."""
    now = now_or(now)
    require_member(author)
    if not Category.objects.visible_to(author).filter(pk=category.pk).exists():
        raise PermissionDenied("This category is not visible to you.")
    if kind not in Thread.Kind.values:
        raise CommunityError(_("Choose a question or a discussion."))
    title = clean_text(
        title, field=_("title"), minimum=TITLE_MIN, maximum=TITLE_MAX, error=CommunityError
    )
    body = clean_text(body, field=_("text"), maximum=BODY_MAX, error=CommunityError)
    tag_rows = _tags(tags)
    pictures = images_check(images)
    body = with_image_references(body, pictures)
    rate_limit("post", author)
    pending = _needs_premoderation(author)
    thread = Thread.objects.create(
        category=category,
        kind=kind,
        title=title,
        author=author,
        is_pending=pending,
        created_at=now,
        last_activity_at=now,
        last_poster=author,
    )
    if tag_rows:
        thread.tags.set(tag_rows)
    products = list(products)
    if products:
        thread.products.set(products)
    html, _handles = _render(body)
    post = Post.objects.create(
        thread=thread,
        author=author,
        is_question=True,
        body_markdown=body,
        body_html=html,
        status=Post.Status.PENDING if pending else Post.Status.PUBLISHED,
        is_staff_answer=roles.is_agent(author),
        created_at=now,
    )
    images_store(post=post, images=pictures, user=author)
    ThreadFollow.objects.create(thread=thread, user=author, created_at=now)
    Thread.objects.filter(pk=thread.pk).update(follower_count=1)
    thread.follower_count = 1
    if pending:
        thread_reindex(thread)  # the title, for moderators (the text once it is published)
    else:
        publish(post, now=now)
    return thread


@transaction.atomic
def post_answer(
    *,
    thread: Thread,
    author,
    body: str,
    images: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Post:
    """Answer a question (or reply to a discussion), with optional images."""
    now = now_or(now)
    require_member(author)
    if not Thread.objects.visible_to(author).filter(pk=thread.pk).exists():
        raise PermissionDenied("This thread is not visible to you.")
    thread = lock_thread(thread)
    if thread.is_pending:
        raise CommunityError(_("This thread is waiting for a moderator."))
    if thread.merged_into_id is not None:
        raise CommunityError(_("This thread was merged into another one; answer there."))
    if thread.is_locked and not is_moderator(author):
        raise CommunityError(_("This thread is locked: no new answers."))
    body = clean_text(body, field=_("answer"), maximum=BODY_MAX, error=CommunityError)
    pictures = images_check(images)
    body = with_image_references(body, pictures)
    rate_limit("post", author)
    pending = _needs_premoderation(author)
    html, _handles = _render(body)
    post = Post.objects.create(
        thread=thread,
        author=author,
        body_markdown=body,
        body_html=html,
        status=Post.Status.PENDING if pending else Post.Status.PUBLISHED,
        is_staff_answer=roles.is_agent(author),
        created_at=now,
    )
    images_store(post=post, images=pictures, user=author)
    if not pending:
        publish(post, now=now)
    return post


@transaction.atomic
def post_edit(
    *,
    post: Post,
    editor,
    body: str,
    title: str | None = None,
    images: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Post:
    """Change a post's text (and a question's title), optionally adding images; the old text
    is kept as a revision."""
    now = now_or(now)
    require_member(editor)
    post = Post.objects.select_for_update(of=("self",)).select_related("thread").get(pk=post.pk)
    moderator = is_moderator(editor)
    if post.author_id != editor.pk and not moderator:
        raise PermissionDenied("Only the author or a moderator may edit this post.")
    if post.is_deleted:
        raise CommunityError(_("This post was deleted."))
    if post.thread.is_locked and not moderator:
        raise CommunityError(_("This thread is locked."))
    body = clean_text(body, field=_("text"), maximum=BODY_MAX, error=CommunityError)
    pictures = images_check(images)
    body = with_image_references(body, pictures)
    thread = post.thread
    new_title = None
    if title is not None and post.is_question:
        new_title = clean_text(
            title, field=_("title"), minimum=TITLE_MIN, maximum=TITLE_MAX, error=CommunityError
        )
    if body == post.body_markdown and (new_title is None or new_title == thread.title):
        return post
    before = set(mentioned_handles(post.body_markdown))
    PostRevision.objects.create(
        post=post,
        number=post.edit_count + 1,
        title=thread.title if post.is_question else "",
        body_markdown=post.body_markdown,
        body_html=post.body_html,
        editor=editor,
        created_at=now,
    )
    html, handles = _render(body)
    post.body_markdown, post.body_html = body, html
    post.edit_count += 1
    post.edited_at = now
    post.save(update_fields=["body_markdown", "body_html", "edit_count", "edited_at"])
    images_store(post=post, images=pictures, user=editor)
    if new_title is not None and new_title != thread.title:
        thread.title = new_title
        thread.save(update_fields=["title"])
    thread_reindex(thread)
    if post.author_id != editor.pk:
        log("edit", actor=editor, thread=thread, post=post, now=now)
    new_mentions = [h for h in handles if h not in before]
    if post.is_published and new_mentions:
        notify.mentions_notify(post=post, handles=new_mentions)
    return post


def thread_counters_refresh(thread: Thread) -> Thread:
    """Recount a thread's answers, activity and score from its posts (after moderation)."""
    answers = Post.objects.filter(thread=thread, is_question=False).published()
    last = answers.order_by("-created_at", "-pk").first()
    first = answers.order_by("created_at", "pk").first()
    question = Post.objects.filter(thread=thread, is_question=True).first()
    thread.answer_count = answers.count()
    thread.score = question.score if question else 0
    thread.first_answer_at = first.created_at if first else None
    thread.last_activity_at = last.created_at if last else thread.created_at
    thread.last_poster_id = last.author_id if last else thread.author_id
    if thread.accepted_answer_id and not answers.filter(pk=thread.accepted_answer_id).exists():
        from community.services.qa import accepted_clear

        accepted_clear(thread, now=timezone.now())
    thread.save(
        update_fields=[
            "answer_count",
            "score",
            "first_answer_at",
            "last_activity_at",
            "last_poster",
            "accepted_answer",
            "is_solved",
        ]
    )
    return thread
