"""Moderation: flags, the pre-moderation queue, hiding, locking, pinning, moving, merging,
soft deletion, conversion into a ticket and promotion of an answer into a KB draft.
Every action is written to the moderator log (``ModerationAction``) in the same transaction."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community.models import Category, Flag, ModerationAction, Post, Thread, ThreadFollow
from community.search import thread_reindex
from community.services.common import (
    CommunityError,
    lock_post,
    lock_thread,
    log,
    rate_limit,
    record,
    require_member,
    require_moderator,
)
from community.services.posting import publish, thread_counters_refresh
from portal.models import Channel, InteractionKind
from portal.services.helpers import now_or

A = ModerationAction.Action
REASON_MAX = 500


# --- flags ------------------------------------------------------------------------------------
@transaction.atomic
def flag_create(
    *, post: Post, reporter, reason: str, note: str = "", now: datetime | None = None
) -> Flag:
    """Report a post to the moderators (once per member and post)."""
    now = now_or(now)
    require_member(reporter)
    if not Post.objects.visible_to(reporter).filter(pk=post.pk).exists():
        raise PermissionDenied("This post is not visible to you.")
    if Post.objects.filter(pk=post.pk, status=Post.Status.REJECTED).exists():
        raise CommunityError(_("A moderator already rejected this post."))
    if reason not in Flag.Reason.values:
        raise CommunityError(_("Choose a reason."))
    if post.author_id == reporter.pk:
        raise CommunityError(_("You cannot flag your own post."))
    note = (note or "").replace("\x00", "").strip()
    if len(note) > REASON_MAX:
        raise CommunityError(_("The note is longer than %(max)d characters.") % {"max": REASON_MAX})
    if Flag.objects.filter(post=post, reporter=reporter).exists():
        raise CommunityError(_("You already flagged this post. A moderator will look at it."))
    rate_limit("flag", reporter)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                post=post, reporter=reporter, reason=reason, note=note, created_at=now
            )
    except IntegrityError:
        raise CommunityError(
            _("You already flagged this post. A moderator will look at it.")
        ) from None
    record(InteractionKind.FORUM_FLAG, user=reporter, target=post.thread, now=now, post=post.pk)
    return flag


@transaction.atomic
def flag_resolve(
    *, flag: Flag, moderator, uphold: bool, now: datetime | None = None, reason: str = ""
) -> Flag:
    """Close a flag; upholding it hides the post. Resolves every open flag on that post."""
    now = now_or(now)
    require_moderator(moderator)
    post = lock_post(flag.post)
    status = Flag.Status.UPHELD if uphold else Flag.Status.DISMISSED
    Flag.objects.filter(post=post, status=Flag.Status.OPEN).update(
        status=status, resolved_at=now, resolved_by=moderator
    )
    log(
        A.FLAG_UPHOLD if uphold else A.FLAG_DISMISS,
        actor=moderator,
        thread=post.thread,
        post=post,
        reason=reason,
        now=now,
        flag=flag.pk,
    )
    if uphold and not post.is_hidden:
        _post_visibility(post, moderator=moderator, hidden=True, reason=reason, now=now)
    flag.refresh_from_db()
    return flag


# --- pre-moderation ---------------------------------------------------------------------------
@transaction.atomic
def post_approve(*, post: Post, moderator, now: datetime | None = None) -> Post:
    now = now_or(now)
    require_moderator(moderator)
    post = lock_post(post)
    if post.status != Post.Status.PENDING:
        raise CommunityError(_("This post is not waiting for moderation."))
    post.status = Post.Status.PUBLISHED
    post.save(update_fields=["status"])
    publish(post, now=now)
    log(A.APPROVE, actor=moderator, thread=post.thread, post=post, now=now)
    return post


@transaction.atomic
def post_reject(*, post: Post, moderator, reason: str = "", now: datetime | None = None) -> Post:
    now = now_or(now)
    require_moderator(moderator)
    post = lock_post(post)
    if post.status != Post.Status.PENDING:
        raise CommunityError(_("This post is not waiting for moderation."))
    post.status = Post.Status.REJECTED
    post.save(update_fields=["status"])
    if post.is_question:  # the whole thread goes with its question
        Thread.objects.filter(pk=post.thread_id).update(is_deleted=True, deleted_at=now)
    thread_reindex(post.thread)
    log(A.REJECT, actor=moderator, thread=post.thread, post=post, reason=reason, now=now)
    return post


# --- posts ------------------------------------------------------------------------------------
def _post_visibility(post: Post, *, moderator, hidden: bool, reason: str, now: datetime) -> None:
    if post.is_question:
        _thread_flag(post.thread, moderator, "is_hidden", hidden, A.HIDE, A.UNHIDE, reason, now)
        thread_reindex(post.thread)
        return
    post.is_hidden = hidden
    post.save(update_fields=["is_hidden"])
    thread_counters_refresh(lock_thread(post.thread))
    thread_reindex(post.thread)  # a hidden answer's text leaves the index
    log(
        A.HIDE if hidden else A.UNHIDE,
        actor=moderator,
        thread=post.thread,
        post=post,
        reason=reason,
        now=now,
    )


@transaction.atomic
def post_hide(
    *, post: Post, moderator, hidden: bool = True, reason: str = "", now: datetime | None = None
) -> Post:
    now = now_or(now)
    require_moderator(moderator)
    post = lock_post(post)
    if post.is_hidden != hidden or post.is_question:
        _post_visibility(post, moderator=moderator, hidden=hidden, reason=reason, now=now)
    return post


@transaction.atomic
def post_delete(
    *, post: Post, actor, reason: str = "", restore: bool = False, now: datetime | None = None
) -> Post:
    """Soft-delete an answer (its author or a moderator) or restore it (moderator). The row
    stays for the audit; deleting the question deletes the thread (``thread_delete``)."""
    now = now_or(now)
    require_member(actor)
    post = lock_post(post)
    from community.services.common import is_moderator

    moderator = is_moderator(actor)
    if not moderator and (restore or post.author_id != actor.pk):
        raise PermissionDenied("Only the author or a moderator may delete this post.")
    if post.is_question:
        thread_delete(thread=post.thread, actor=actor, reason=reason, restore=restore, now=now)
        return post
    post.is_deleted = not restore
    post.deleted_at = None if restore else now
    post.save(update_fields=["is_deleted", "deleted_at"])
    thread_counters_refresh(lock_thread(post.thread))
    thread_reindex(post.thread)
    log(
        A.RESTORE if restore else A.DELETE,
        actor=actor,
        thread=post.thread,
        post=post,
        reason=reason,
        now=now,
    )
    return post


# --- threads ----------------------------------------------------------------------------------
def _thread_flag(
    thread: Thread, moderator, field: str, value: bool, on: str, off: str, reason: str, now
) -> Thread:
    thread = lock_thread(thread)
    if getattr(thread, field) != value:
        setattr(thread, field, value)
        thread.save(update_fields=[field])
        log(on if value else off, actor=moderator, thread=thread, reason=reason, now=now)
    return thread


@transaction.atomic
def thread_moderate(
    *, thread: Thread, moderator, action: str, reason: str = "", now: datetime | None = None
) -> Thread:
    """``hide``/``unhide``, ``lock``/``unlock``, ``pin``/``unpin`` a thread."""
    now = now_or(now)
    require_moderator(moderator)
    table = {
        A.HIDE: ("is_hidden", True, A.HIDE, A.UNHIDE),
        A.UNHIDE: ("is_hidden", False, A.HIDE, A.UNHIDE),
        A.LOCK: ("is_locked", True, A.LOCK, A.UNLOCK),
        A.UNLOCK: ("is_locked", False, A.LOCK, A.UNLOCK),
        A.PIN: ("is_pinned", True, A.PIN, A.UNPIN),
        A.UNPIN: ("is_pinned", False, A.PIN, A.UNPIN),
    }
    if action not in table:
        raise CommunityError(_("Unknown moderation action."))
    field, value, on, off = table[action]
    thread = _thread_flag(thread, moderator, field, value, on, off, reason, now)
    thread_reindex(thread)  # hidden threads stay indexed: visible_to filters them per reader
    return thread


@transaction.atomic
def thread_move(
    *, thread: Thread, moderator, category: Category, reason: str = "", now: datetime | None = None
) -> Thread:
    now = now_or(now)
    require_moderator(moderator)
    thread = lock_thread(thread)
    if thread.category_id == category.pk:
        return thread
    old = thread.category_id
    thread.category = category
    thread.save(update_fields=["category"])
    thread_reindex(thread)
    log(
        A.MOVE,
        actor=moderator,
        thread=thread,
        reason=reason,
        now=now,
        **{"from": old, "to": category.pk},
    )
    return thread


@transaction.atomic
def thread_merge(
    *, thread: Thread, into: Thread, moderator, reason: str = "", now: datetime | None = None
) -> Thread:
    """Move ``thread``'s answers (and followers) into ``into``; ``thread`` stays as a pointer.
    The merged question becomes an answer-less stub that links to ``into``."""
    now = now_or(now)
    require_moderator(moderator)
    if thread.pk == into.pk:
        raise CommunityError(_("A thread cannot be merged into itself."))
    first, second = sorted([thread.pk, into.pk])
    locked = {t.pk: t for t in Thread.objects.select_for_update().filter(pk__in=[first, second])}
    thread, into = locked[thread.pk], locked[into.pk]
    if into.merged_into_id is not None or into.is_deleted:
        raise CommunityError(_("Choose a thread that is still open to merge into."))
    if thread.merged_into_id is not None:
        raise CommunityError(_("This thread was already merged."))
    moved = Post.objects.filter(thread=thread, is_question=False).update(thread=into)
    for follow in ThreadFollow.objects.filter(thread=thread):
        ThreadFollow.objects.get_or_create(
            thread=into, user_id=follow.user_id, defaults={"created_at": now}
        )
    into.follower_count = ThreadFollow.objects.filter(thread=into).count()
    into.save(update_fields=["follower_count"])
    if thread.accepted_answer_id and not into.accepted_answer_id:
        into.accepted_answer_id, into.is_solved = thread.accepted_answer_id, True
        into.save(update_fields=["accepted_answer", "is_solved"])
    thread.merged_into = into
    thread.accepted_answer = None
    thread.is_solved = False
    thread.is_locked = True
    thread.save(update_fields=["merged_into", "accepted_answer", "is_solved", "is_locked"])
    thread_counters_refresh(thread)
    thread_counters_refresh(into)
    thread_reindex(thread)
    thread_reindex(into)
    log(
        A.MERGE, actor=moderator, thread=thread, reason=reason, now=now, into=into.pk, answers=moved
    )
    return thread


@transaction.atomic
def thread_delete(
    *, thread: Thread, actor, reason: str = "", restore: bool = False, now: datetime | None = None
) -> Thread:
    """Soft-delete a thread (moderators; the asker while nobody answered) or restore it."""
    now = now_or(now)
    require_member(actor)
    from community.services.common import is_moderator

    thread = lock_thread(thread)
    if not is_moderator(actor):
        if restore or thread.author_id != actor.pk:
            raise PermissionDenied("Only a moderator may delete this thread.")
        if thread.answer_count:
            raise CommunityError(_("A question with answers can only be removed by a moderator."))
    if thread.is_deleted == (not restore):
        return thread
    thread.is_deleted = not restore
    thread.deleted_at = None if restore else now
    thread.save(update_fields=["is_deleted", "deleted_at"])
    thread_reindex(thread)  # a deleted thread leaves the index; a restored one returns
    log(A.RESTORE if restore else A.DELETE, actor=actor, thread=thread, reason=reason, now=now)
    return thread


# --- into the support desk and the knowledge base ---------------------------------------------
@transaction.atomic
def thread_to_ticket(*, thread: Thread, moderator, now: datetime | None = None):
    """Open a ticket for the asker with the question's text, linking back to the thread
    (once: a second call returns the same ticket)."""
    from portal import roles
    from tickets.services import TicketError, ticket_open

    now = now_or(now)
    require_moderator(moderator)
    thread = lock_thread(thread)
    if thread.ticket_id is not None:
        return thread.ticket
    author = thread.author
    customer = getattr(author, "customer", None) if author is not None else None
    if customer is None:
        raise CommunityError(_("Only a customer's thread can become a ticket."))
    question = Post.objects.get(thread=thread, is_question=True)
    link = reverse("community:thread", args=[thread.pk])
    body = _("%(text)s\n\n---\nFrom the community thread “%(title)s”: %(link)s") % {
        "text": question.body_markdown,
        "title": thread.title,
        "link": link,
    }
    try:
        ticket = ticket_open(
            customer=customer,
            subject=thread.title,
            body=body[:20_000],
            opened_by=moderator if roles.is_agent(moderator) else author,
            product=thread.products.order_by("pk").first(),
            channel=Channel.COMMUNITY,
            now=now,
        )
    except TicketError as exc:
        raise CommunityError(exc.message) from exc
    thread.ticket = ticket
    thread.save(update_fields=["ticket"])
    log(A.TO_TICKET, actor=moderator, thread=thread, now=now, ticket=ticket.pk)
    return ticket


@transaction.atomic
def answer_promote(*, thread: Thread, moderator, parent=None, now: datetime | None = None):
    """Turn the accepted answer into a DRAFT knowledge-base article under ``parent`` (a KB
    category page; the first one by default) that credits the author and links the thread.
    Editors review and publish it in Wagtail. Once per thread."""
    from wagtail.rich_text import RichText

    from knowledgebase.models import ArticlePage, Audience, CategoryPage

    now = now_or(now)
    require_moderator(moderator)
    thread = lock_thread(thread)
    if thread.kb_article_id is not None:
        return thread.kb_article.specific
    answer = thread.accepted_answer
    if answer is None:
        raise CommunityError(_("Only an accepted answer can become an article."))
    if parent is None:
        parent = CategoryPage.objects.live().order_by("path").first()
    if parent is None or not isinstance(parent.specific, CategoryPage):
        raise CommunityError(_("Create a knowledge-base category first."))
    parent = parent.specific
    question = Post.objects.get(thread=thread, is_question=True)
    author = str(answer.author) if answer.author else _("a community member")
    link = reverse("community:thread", args=[thread.pk])
    credit = _("Based on an answer by %(name)s in the community thread %(link)s.") % {
        "name": escape(author),
        "link": f'<a href="{link}">{escape(thread.title)}</a>',
    }
    summary = " ".join(question.body_markdown.split())[:290] or thread.title
    base = slugify(thread.title)[:60] or "community-answer"
    slug = base
    for n in range(2, 50):
        if not ArticlePage.objects.child_of(parent).filter(slug=slug).exists():
            break
        slug = f"{base}-{n}"
    article = ArticlePage(
        title=thread.title[:255],
        slug=slug,
        summary=summary,
        body=[("text", RichText(f"{answer.body_html}<p><i>{credit}</i></p>"))],
        audience=Audience.PUBLIC,
        live=False,
        owner=moderator,
    )
    parent.add_child(instance=article)
    article.save_revision(user=moderator, log_action=True)
    thread.kb_article = article
    thread.save(update_fields=["kb_article"])
    log(A.TO_ARTICLE, actor=moderator, thread=thread, post=answer, now=now, article=article.pk)
    return article
