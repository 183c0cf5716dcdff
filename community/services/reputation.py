"""The reputation ledger. Every gain is a row and every change of mind a reversal row, so a
member's reputation is auditable; ``reputation_recompute`` rebuilds the ledger from the votes
and accepted answers (the source of truth) when they disagree."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Sum

from community.models import MemberProfile, Post, ReputationEntry, Thread, Vote
from community.services.common import profile_for

UPVOTE_ANSWER = 10
UPVOTE_QUESTION = 5
DOWNVOTE = -2
ACCEPTED = 15

R = ReputationEntry.Reason


def vote_amount(post: Post, value: int) -> tuple[int, str]:
    if value > 0:
        return (
            (UPVOTE_QUESTION, R.UPVOTE_QUESTION)
            if post.is_question
            else (UPVOTE_ANSWER, R.UPVOTE_ANSWER)
        )
    return DOWNVOTE, R.DOWNVOTE


def _add(user, amount: int, reason: str, *, post: Post | None, source_user, now: datetime) -> None:
    if user is None or amount == 0:
        return
    ReputationEntry.objects.create(
        user=user, amount=amount, reason=reason, post=post, source_user=source_user, created_at=now
    )
    profile = profile_for(user)
    MemberProfile.objects.filter(pk=profile.pk).update(reputation=F("reputation") + amount)


def reputation_vote_changed(*, post: Post, voter, old: int, new: int, now: datetime) -> None:
    """Ledger rows for a vote going from ``old`` to ``new`` (each -1, 0 or +1)."""
    author = post.author
    if author is None or old == new:
        return
    if old:
        amount, _reason = vote_amount(post, old)
        _add(author, -amount, R.REVERSAL, post=post, source_user=voter, now=now)
    if new:
        amount, reason = vote_amount(post, new)
        _add(author, amount, reason, post=post, source_user=voter, now=now)


def reputation_accept_changed(*, old: Post | None, new: Post | None, asker, now: datetime) -> None:
    """Ledger rows for the accepted answer changing (no reputation for accepting oneself)."""
    if old is not None and old.author_id and old.author_id != getattr(asker, "pk", None):
        _add(old.author, -ACCEPTED, R.REVERSAL, post=old, source_user=asker, now=now)
    if new is not None and new.author_id and new.author_id != getattr(asker, "pk", None):
        _add(new.author, ACCEPTED, R.ACCEPTED, post=new, source_user=asker, now=now)


def _expected_entries(user) -> list[ReputationEntry]:
    entries = []
    votes = (
        Vote.objects.filter(post__author=user)
        .exclude(voter=user)
        .select_related("post")
        .order_by("created_at", "pk")
    )
    for vote in votes:
        amount, reason = vote_amount(vote.post, vote.value)
        entries.append(
            ReputationEntry(
                user=user,
                amount=amount,
                reason=reason,
                post=vote.post,
                source_user_id=vote.voter_id,
                created_at=vote.updated_at,
            )
        )
    accepted = Thread.objects.filter(accepted_answer__author=user).exclude(author=user)
    for thread in accepted.select_related("accepted_answer"):
        entries.append(
            ReputationEntry(
                user=user,
                amount=ACCEPTED,
                reason=R.ACCEPTED,
                post=thread.accepted_answer,
                source_user_id=thread.author_id,
                created_at=thread.accepted_answer.created_at,
            )
        )
    return entries


@transaction.atomic
def reputation_recompute(*, user=None) -> dict[int, tuple[int, int]]:
    """Check every member's (or one member's) ledger against the votes and accepted answers;
    where the sum disagrees, rebuild that member's ledger. Returns ``{user_id: (old, new)}``
    for the members whose reputation changed; ``MemberProfile.reputation`` is set from the
    ledger for everyone checked."""
    profiles = MemberProfile.objects.select_related("user").select_for_update(of=("self",))
    if user is not None:
        profile_for(user)
        profiles = profiles.filter(user=user)
    changed: dict[int, tuple[int, int]] = {}
    for profile in profiles:
        expected = _expected_entries(profile.user)
        want = sum(e.amount for e in expected)
        ledger = ReputationEntry.objects.filter(user=profile.user)
        have = ledger.aggregate(total=Sum("amount"))["total"] or 0
        if have != want:
            ledger.delete()
            ReputationEntry.objects.bulk_create(expected)
        if profile.reputation != want:
            changed[profile.user_id] = (profile.reputation, want)
            profile.reputation = want
            profile.save(update_fields=["reputation"])
    return changed
