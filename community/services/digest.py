"""The email digest of followed threads (what Discourse calls the activity summary).

A member who wants emails about followed threads (``email_community_digest``) and chose the
digest (``digest_community_digest``, the default) gets no email per answer: each new answer
becomes a ``DigestItem``. The periodic pass ``digests_send`` (``community.tasks``, run by
``manage.py tick``) sends each member with pending items one email listing the new answers
per thread, at most once per ``COMMUNITY_DIGEST_HOURS``.

Exactly once: a member's pending items are locked, marked sent with the digest's event key,
and the email's ``NotificationDelivery`` row (unique per event, recipient and channel) is
written, all in one transaction; the email itself goes out after commit through the portal's
delivery task, which sends a delivery once (``portal.services.notifications.delivery_send``).
A rerun finds no pending items; a crash before commit leaves them pending for the next run.

Items whose answer the member can no longer read (category made private, thread or answer
hidden or deleted), or whose thread they stopped following, are dropped, not sent.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.models import DigestItem, Post, ThreadFollow
from community.services.common import post_excerpt
from portal.models import NotificationDelivery
from portal.services.helpers import now_or
from portal.services.notifications import emails_are_suppressed, language_for

TOPIC = "community_digest"
USERS_PER_RUN = 500
EXCERPT = 200


def _interval() -> timedelta:
    return timedelta(hours=settings.COMMUNITY_DIGEST_HOURS)


def wants_digest_email(user) -> bool:
    return bool(user.email) and user.wants(f"email_{TOPIC}") and user.wants(f"digest_{TOPIC}")


def digest_queue(*, post: Post, users: list) -> int:
    """Put ``post`` in the next digest of each of ``users`` who wants digest emails (once per
    member and post). Called by ``followers_notify`` with the followers who may read it."""
    if emails_are_suppressed():
        return 0
    rows = [
        DigestItem(user=user, post=post, created_at=post.created_at)
        for user in users
        if user.is_active and wants_digest_email(user)
    ]
    DigestItem.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def digests_due(*, now: datetime | None = None, limit: int = USERS_PER_RUN) -> list[int]:
    """The ids of members with pending items whose last digest is older than the interval."""
    now = now_or(now)
    recent = DigestItem.objects.filter(
        user_id=OuterRef("user_id"),
        status=DigestItem.Status.SENT,
        handled_at__gt=now - _interval(),
    )
    pending = DigestItem.objects.filter(status=DigestItem.Status.PENDING).filter(~Exists(recent))
    return list(pending.order_by("user_id").values_list("user_id", flat=True).distinct()[:limit])


def _body(user, posts: list[Post]) -> str:
    by_thread: dict[int, list[Post]] = defaultdict(list)
    for post in posts:
        by_thread[post.thread_id].append(post)
    lines = [
        _("Hello %(name)s,") % {"name": user.full_name or user.email},
        "",
        _("New answers in the community threads you follow:"),
    ]
    for thread_posts in by_thread.values():
        thread = thread_posts[0].thread
        lines += ["", f"“{thread.title}”", f"{settings.SITE_URL}{thread.get_absolute_url()}"]
        for post in thread_posts:
            author = str(post.author) if post.author else _("A former member")
            lines.append(f"- {author}: {post_excerpt(post, EXCERPT)}")
    lines += [
        "",
        _("Choose how you hear about followed threads: %(url)s")
        % {"url": f"{settings.SITE_URL}{reverse('portal:notification_settings')}"},
    ]
    return "\n".join(lines)


def digest_send(*, user_id: int, now: datetime | None = None) -> NotificationDelivery | None:
    """Write the digest email of one member (their pending items) and mark the items: the
    delivery row, or None when nothing was left to send."""
    now = now_or(now)
    user = get_user_model().objects.filter(pk=user_id).select_related("customer").first()
    with transaction.atomic():
        items = list(
            DigestItem.objects.select_for_update(skip_locked=True)
            .filter(user_id=user_id, status=DigestItem.Status.PENDING)
            .order_by("pk")
        )
        if not items:
            return None
        readable: set[int] = set()
        if user is not None and user.is_active and wants_digest_email(user):
            followed = ThreadFollow.objects.filter(user=user).values("thread_id")
            readable = set(
                Post.objects.visible_to(user)
                .published()
                .filter(pk__in=[i.post_id for i in items], thread_id__in=followed)
                .values_list("pk", flat=True)
            )
        keep = [i for i in items if i.post_id in readable]
        dropped = [i.pk for i in items if i.post_id not in readable]
        DigestItem.objects.filter(pk__in=dropped).update(
            status=DigestItem.Status.DROPPED, handled_at=now
        )
        if not keep:
            return None
        event_key = f"community:digest:{user_id}:{keep[0].pk}"
        posts = list(
            Post.objects.filter(pk__in=[i.post_id for i in keep])
            .select_related("thread", "author")
            .order_by("thread__last_activity_at", "thread_id", "created_at", "pk")
        )
        with translation.override(language_for(user)):
            subject = ngettext(
                "%(n)d new answer in threads you follow",
                "%(n)d new answers in threads you follow",
                len(posts),
            ) % {"n": len(posts)}
            body = _body(user, posts)
        try:
            with transaction.atomic():
                delivery = NotificationDelivery.objects.create(
                    event_key=event_key,
                    recipient=user,
                    channel=NotificationDelivery.Channel.EMAIL,
                    kind="community.digest",
                    to_address=user.email,
                    subject=subject[:250],
                    body=body,
                    created_at=now,
                )
        except IntegrityError:  # this digest was written already (items marked below)
            delivery = None
        DigestItem.objects.filter(pk__in=[i.pk for i in keep]).update(
            status=DigestItem.Status.SENT, event_key=event_key, handled_at=now
        )
        if delivery is not None:
            transaction.on_commit(lambda: _enqueue(delivery.pk))
        return delivery


def _enqueue(pk: int) -> None:
    from portal.tasks import notifications_deliver

    notifications_deliver.enqueue([pk])


def digests_send(*, now: datetime | None = None, limit: int = USERS_PER_RUN) -> dict[str, int]:
    """The periodic pass: one digest email for every member who is due one."""
    now = now_or(now)
    sent = 0
    for user_id in digests_due(now=now, limit=limit):
        if digest_send(user_id=user_id, now=now) is not None:
            sent += 1
    return {"digests sent": sent}
