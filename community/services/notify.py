"""Who hears about what: @mentions (topic community_mentions) and new answers in followed
threads (topic community_digest), only for people who may read the thread.

New answers are in-portal notifications at once; by email either at once (one email per
answer) or batched into a periodic digest (``community.services.digest``), as each member
chose (preference ``digest_community_digest``)."""

from __future__ import annotations

from contextlib import nullcontext

from django.utils.translation import gettext as _

from community.models import MemberProfile, Post, Thread, ThreadFollow, Visibility
from community.services.common import post_excerpt
from portal.services.notifications import NotificationContent, emails_suppressed, notify


def _can_read(thread: Thread, users: list) -> list:
    if thread.category.visibility == Visibility.PUBLIC and not (
        thread.is_hidden or thread.is_deleted or thread.is_pending
    ):
        return users
    return [u for u in users if Thread.objects.visible_to(u).filter(pk=thread.pk).exists()]


EXCERPT = 300


def mentions_notify(*, post: Post, handles: list[str]) -> int:
    """Notify members mentioned in ``post`` (once per post and member)."""
    if not handles:
        return 0
    profiles = MemberProfile.objects.filter(handle__in=handles).select_related("user")
    users = [p.user for p in profiles if p.user_id != post.author_id and p.user.is_active]
    thread = post.thread
    users = _can_read(thread, users)
    author = str(post.author) if post.author else _("Someone")

    def content(user) -> NotificationContent:
        return NotificationContent(
            title=_("%(name)s mentioned you in “%(title)s”")
            % {"name": author, "title": thread.title},
            body=post_excerpt(post, EXCERPT),
            url=post.get_absolute_url(),
        )

    result = notify(
        event_key=f"community:post:{post.pk}:mention",
        kind="community.mention",
        topic="community_mentions",
        recipients=users,
        content=content,
    )
    return len(result.notifications) + len(result.emails)


def followers_notify(*, post: Post) -> int:
    """Tell the thread's followers (not the author) about a new answer: in the portal now;
    by email now, or in their next digest."""
    from community.services.digest import digest_queue

    thread = post.thread
    follows = ThreadFollow.objects.filter(thread=thread).exclude(user_id=post.author_id)
    users = [f.user for f in follows.select_related("user") if f.user.is_active]
    users = _can_read(thread, users)
    batched = [u for u in users if u.wants("digest_community_digest")]
    immediate = [u for u in users if not u.wants("digest_community_digest")]
    author = str(post.author) if post.author else _("Someone")

    def content(user) -> NotificationContent:
        return NotificationContent(
            title=_("New answer in “%(title)s”") % {"title": thread.title},
            body=_("%(name)s wrote: %(text)s")
            % {"name": author, "text": post_excerpt(post, EXCERPT)},
            url=post.get_absolute_url(),
        )

    told = 0
    for recipients, batch in ((immediate, False), (batched, True)):
        if not recipients:
            continue
        with emails_suppressed() if batch else nullcontext():
            result = notify(
                event_key=f"community:post:{post.pk}:followers",
                kind="community.answer",
                topic="community_digest",
                recipients=recipients,
                content=content,
            )
        told += len(result.notifications) + len(result.emails)
    return told + digest_queue(post=post, users=batched)
