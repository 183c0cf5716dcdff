"""Votes, accepted answers, follows and views."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community.badges import badges_refresh
from community.models import MemberProfile, Post, Thread, ThreadFollow, ThreadView, Vote
from community.services.common import (
    CommunityError,
    is_moderator,
    lock_thread,
    log,
    profile_for,
    rate_limit,
    record,
    require_member,
)
from community.services.reputation import reputation_accept_changed, reputation_vote_changed
from portal.models import InteractionKind
from portal.services.helpers import now_or


@transaction.atomic
def vote_cast(*, post: Post, voter, value: int, now: datetime | None = None) -> Post:
    """Vote ``post`` up (+1) or down (-1), or take the vote back (0). One vote per member
    and post, changeable, never on one's own post. The post's (and a question's thread's)
    score is updated in the same transaction, with the row locked."""
    now = now_or(now)
    require_member(voter)
    if value not in (-1, 0, 1):
        raise CommunityError(_("A vote is +1, -1 or 0."))
    if not Post.objects.visible_to(voter).filter(pk=post.pk).exists():
        raise PermissionDenied("This post is not visible to you.")
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("thread", "author")
        .get(pk=post.pk)
    )
    if post.author_id == voter.pk:
        raise CommunityError(_("You cannot vote on your own post."))
    if not post.is_published:
        raise CommunityError(_("You can only vote on published posts."))
    if post.thread.is_locked:
        raise CommunityError(_("This thread is locked."))
    rate_limit("vote", voter)
    existing = Vote.objects.filter(post=post, voter=voter).first()
    old = existing.value if existing else 0
    if old == value:
        return post
    if value == 0:
        existing.delete()
    elif existing is None:
        Vote.objects.create(post=post, voter=voter, value=value, created_at=now, updated_at=now)
    else:
        existing.value, existing.updated_at = value, now
        existing.save(update_fields=["value", "updated_at"])
    delta = value - old
    Post.objects.filter(pk=post.pk).update(score=F("score") + delta)
    if post.is_question:
        Thread.objects.filter(pk=post.thread_id).update(score=F("score") + delta)
    post.refresh_from_db(fields=["score"])
    reputation_vote_changed(post=post, voter=voter, old=old, new=value, now=now)
    record(
        InteractionKind.FORUM_VOTE,
        user=voter,
        target=post.thread,
        now=now,
        value=value,
        post=post.pk,
        previous=old,
        author=post.author_id,  # loyalty: an upvoted answer earns its author points
        question=post.is_question,
    )
    badges_refresh(voter, post.author)
    return post


def _set_accepted(thread: Thread, post: Post | None, *, now: datetime) -> Post | None:
    old = thread.accepted_answer
    thread.accepted_answer = post
    thread.is_solved = post is not None
    thread.save(update_fields=["accepted_answer", "is_solved"])
    if old is not None and old.author_id:
        MemberProfile.objects.filter(user_id=old.author_id, accepted_count__gt=0).update(
            accepted_count=F("accepted_count") - 1
        )
    if post is not None and post.author_id:
        profile = profile_for(post.author)
        MemberProfile.objects.filter(pk=profile.pk).update(accepted_count=F("accepted_count") + 1)
    reputation_accept_changed(old=old, new=post, asker=thread.author, now=now)
    return old


@transaction.atomic
def answer_accept(*, thread: Thread, post: Post, user, now: datetime | None = None) -> Thread:
    """Mark ``post`` as the accepted answer (the asker or a moderator; changeable)."""
    now = now_or(now)
    require_member(user)
    if not Thread.objects.visible_to(user).filter(pk=thread.pk).exists():
        raise PermissionDenied("This thread is not visible to you.")
    thread = lock_thread(thread)
    moderator = is_moderator(user)
    if thread.author_id != user.pk and not moderator:
        raise PermissionDenied("Only the asker or a moderator may accept an answer.")
    if not thread.is_question:
        raise CommunityError(_("Only questions have an accepted answer."))
    post = Post.objects.select_related("author").filter(pk=post.pk, thread=thread).first()
    if post is None or post.is_question or not post.is_published:
        raise CommunityError(_("Choose a published answer of this question."))
    if thread.accepted_answer_id == post.pk:
        return thread
    old = _set_accepted(thread, post, now=now)
    # author, asker, previous: loyalty earns the author points (never for one's own answer)
    # and takes them back from the previously accepted answer's author.
    record(
        InteractionKind.FORUM_ACCEPT,
        user=user,
        target=thread,
        now=now,
        post=post.pk,
        author=post.author_id,
        asker=thread.author_id,
        previous=old.pk if old is not None else None,
    )
    badges_refresh(post.author)
    if thread.author_id != user.pk:
        log("accept", actor=user, thread=thread, post=post, now=now)
    return thread


@transaction.atomic
def answer_unaccept(*, thread: Thread, user, now: datetime | None = None) -> Thread:
    now = now_or(now)
    require_member(user)
    if not Thread.objects.visible_to(user).filter(pk=thread.pk).exists():
        raise PermissionDenied("This thread is not visible to you.")
    thread = lock_thread(thread)
    if thread.author_id != user.pk and not is_moderator(user):
        raise PermissionDenied("Only the asker or a moderator may change the accepted answer.")
    if thread.accepted_answer_id is not None:
        old = _set_accepted(thread, None, now=now)
        # the accept undone: loyalty takes the answer's points back
        record(
            InteractionKind.FORUM_ACCEPT,
            user=user,
            target=thread,
            now=now,
            post=None,
            previous=old.pk if old is not None else None,
            undone=True,
        )
    return thread


def accepted_clear(thread: Thread, *, now: datetime) -> None:
    """The accepted answer went away (hidden, deleted): the thread is unsolved again."""
    if thread.accepted_answer_id is not None:
        _set_accepted(thread, None, now=now)


@transaction.atomic
def thread_follow(*, thread: Thread, user, now: datetime | None = None) -> bool:
    """Follow a thread (notifications about new answers); True if newly followed."""
    now = now_or(now)
    require_member(user)
    if not Thread.objects.visible_to(user).filter(pk=thread.pk).exists():
        raise PermissionDenied("This thread is not visible to you.")
    _follow, created = ThreadFollow.objects.get_or_create(
        thread=thread, user=user, defaults={"created_at": now}
    )
    if created:
        Thread.objects.filter(pk=thread.pk).update(follower_count=F("follower_count") + 1)
    return created


@transaction.atomic
def thread_unfollow(*, thread: Thread, user) -> bool:
    require_member(user)
    deleted, _ = ThreadFollow.objects.filter(thread=thread, user=user).delete()
    if deleted:
        Thread.objects.filter(pk=thread.pk, follower_count__gt=0).update(
            follower_count=F("follower_count") - 1
        )
    return bool(deleted)


def viewer_key(*, user, session_key: str = "", fingerprint: str = "") -> str:
    """Who is reading: the member, else the anonymous session, else a hash of the client
    (address and browser) so readers without a session are not given one."""
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    raw = session_key or fingerprint
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:view:{raw}".encode()).hexdigest()
    return f"v{digest[:32]}"


def thread_view_record(
    *,
    thread: Thread,
    user,
    session_key: str = "",
    fingerprint: str = "",
    now: datetime | None = None,
) -> bool:
    """Count a view (and record FORUM_VIEW) once per reader, thread and day. A cache key
    answers repeat views without touching the database; the unique row is the guarantee."""
    now = now_or(now)
    viewer = viewer_key(user=user, session_key=session_key, fingerprint=fingerprint)
    day = timezone.localdate(now)
    key = f"community:view:{thread.pk}:{viewer}:{day:%Y%m%d}"
    if not cache.add(key, 1, 60 * 60 * 26):
        return False
    with transaction.atomic():
        _row, created = ThreadView.objects.get_or_create(thread=thread, viewer=viewer, day=day)
        if not created:
            return False
        Thread.objects.filter(pk=thread.pk).update(view_count=F("view_count") + 1)
        record(
            InteractionKind.FORUM_VIEW,
            user=user,
            session_key=None if user is not None and user.is_authenticated else viewer,
            target=thread,
            now=now,
        )
    return True
