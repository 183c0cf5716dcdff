"""What every community service shares: errors, rate limits, roles, the interaction log."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community.models import MemberProfile, ModerationAction, Post, Thread
from portal import roles
from portal.models import Channel, InteractionKind
from portal.ratelimit import rate_limit_hit
from portal.services.errors import ServiceError
from portal.services.interactions import interaction_record

TITLE_MIN, TITLE_MAX = 8, 200
BODY_MAX = 20_000
TAGS_MAX = 5


class CommunityError(ServiceError):
    """The request cannot be carried out (a message for the person who asked)."""

    status_code = 422


class RateLimited(CommunityError):
    status_code = 429


#: Community moderators and agents moderate (admins are both).
is_moderator = roles.can_moderate


def require_member(user) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Sign in to take part.")


def require_moderator(user) -> None:
    if not is_moderator(user):
        raise PermissionDenied("Only moderators may do this.")


def rate_limit(bucket: str, user) -> None:
    """Count one action of ``user`` in ``bucket``; RateLimited beyond the bucket's rate
    (``settings.COMMUNITY_RATES``: how many, per seconds). Agents and moderators are not
    limited."""
    if is_moderator(user):
        return
    limit, window = settings.COMMUNITY_RATES[bucket]
    if not rate_limit_hit(f"community:rate:{bucket}:{user.pk}", limit=limit, window=window):
        minutes = max(1, window // 60)
        raise RateLimited(
            _("Slow down: at most %(n)d of these per %(m)d minutes. Please try again later.")
            % {"n": limit, "m": minutes}
        )


def profile_for(user) -> MemberProfile:
    """The member's forum profile (created on first use, with a unique @handle)."""
    profile = MemberProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    base = slugify(user.full_name or user.email.split("@")[0])[:30] or "member"
    for attempt in range(50):
        handle = base if attempt == 0 else f"{base}-{attempt + 1}"
        try:
            with transaction.atomic():
                return MemberProfile.objects.create(user=user, handle=handle)
        except IntegrityError:
            existing = MemberProfile.objects.filter(user=user).first()
            if existing is not None:
                return existing
    with transaction.atomic():
        return MemberProfile.objects.create(user=user, handle=f"{base}-{user.pk}")


def lock_thread(thread: Thread) -> Thread:
    return Thread.objects.select_for_update().get(pk=thread.pk)


def lock_post(post: Post) -> Post:
    return Post.objects.select_for_update().get(pk=post.pk)


def record(
    kind: InteractionKind | str,
    *,
    user,
    target,
    now: datetime,
    session_key: str | None = None,
    value: int | None = None,
    **metadata: Any,
):
    return interaction_record(
        kind=kind,
        channel=Channel.COMMUNITY,
        user=user if user is not None and user.is_authenticated else None,
        session_key=session_key,
        target=target,
        value=value,
        metadata=metadata or None,
        occurred_at=now,
    )


def log(
    action: str,
    *,
    actor,
    thread: Thread | None = None,
    post: Post | None = None,
    reason: str = "",
    now: datetime,
    **metadata: Any,
) -> ModerationAction:
    entry = ModerationAction.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        thread=thread,
        post=post,
        reason=(reason or "")[:500],
        metadata=metadata,
        created_at=now,
    )
    if actor is not None and actor.is_authenticated:
        interaction_record(
            kind=InteractionKind.FORUM_MODERATION,
            channel=Channel.COMMUNITY,
            user=actor,
            target=thread or post,
            # post and author: loyalty takes back what a rejected, hidden or deleted post
            # earned, and credits an answer promoted to an article
            metadata={
                "action": action,
                **({"post": post.pk, "author": post.author_id} if post is not None else {}),
            },
            occurred_at=now,
        )
    return entry


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")


def post_excerpt(post: Post, limit: int) -> str:
    """A post's Markdown as one line of at most ``limit`` characters for notifications and
    digests: an image reads "[image: its alt text]" instead of its Markdown and address."""

    def image(match: re.Match) -> str:
        alt = match.group(1).strip()
        return f"[{_('image')}: {alt}]" if alt else f"[{_('image')}]"

    text = " ".join(_MD_IMAGE.sub(image, post.body_markdown).split())
    return text[:limit] + ("…" if len(text) > limit else "")
