"""Votes: one per member and post, changeable, no self-votes, score in the same transaction,
reputation ledger entries and their reversals."""

from __future__ import annotations

import pytest

from community.models import MemberProfile, ReputationEntry, Vote
from community.services import CommunityError, profile_for, reputation_recompute, vote_cast
from portal.models import Interaction, InteractionKind


def test_upvote_change_and_take_back(question, alice, bob, carol, answer):
    post = answer(bob, question)
    vote_cast(post=post, voter=alice, value=1)
    vote_cast(post=post, voter=carol, value=1)
    post.refresh_from_db()
    assert post.score == 2 and profile_for(bob).reputation == 20
    vote_cast(post=post, voter=carol, value=-1)
    post.refresh_from_db()
    assert post.score == 0 and profile_for(bob).reputation == 8
    vote_cast(post=post, voter=carol, value=0)
    post.refresh_from_db()
    assert post.score == 1 and profile_for(bob).reputation == 10
    assert Vote.objects.filter(post=post).count() == 1
    assert Interaction.objects.filter(kind=InteractionKind.FORUM_VOTE).count() == 4


def test_same_vote_twice_counts_once(question, bob):
    post = question.posts.get()
    vote_cast(post=post, voter=bob, value=1)
    vote_cast(post=post, voter=bob, value=1)
    post.refresh_from_db()
    question.refresh_from_db()
    assert post.score == 1 and question.score == 1
    assert profile_for(question.author).reputation == 5


def test_no_self_votes(question, alice):
    with pytest.raises(CommunityError, match="own post"):
        vote_cast(post=question.posts.get(), voter=alice, value=1)
    assert not Vote.objects.exists()


@pytest.mark.parametrize("value", [2, -2, 10])
def test_bad_values(question, bob, value):
    with pytest.raises(CommunityError):
        vote_cast(post=question.posts.get(), voter=bob, value=value)


def test_cannot_vote_on_what_you_cannot_see(acme_only, alice, bob, ask):
    from django.core.exceptions import PermissionDenied

    thread = ask(alice, acme_only)
    with pytest.raises(PermissionDenied):
        vote_cast(post=thread.posts.get(), voter=bob, value=1)


def test_ledger_records_reversals_and_recompute_agrees(question, alice, bob, carol, answer):
    post = answer(bob, question)
    vote_cast(post=post, voter=alice, value=1)
    vote_cast(post=post, voter=alice, value=-1)
    reasons = list(
        ReputationEntry.objects.filter(user=bob).order_by("pk").values_list("reason", "amount")
    )
    assert reasons == [("upvote_answer", 10), ("reversal", -10), ("downvote", -2)]
    assert reputation_recompute() == {}
    # Corrupt the ledger: recompute rebuilds it from the votes.
    ReputationEntry.objects.filter(user=bob).delete()
    assert reputation_recompute(user=bob) == {}
    assert list(ReputationEntry.objects.filter(user=bob).values_list("reason", "amount")) == [
        ("downvote", -2)
    ]
    # A wrong cached total is corrected and reported.
    MemberProfile.objects.filter(user=bob).update(reputation=999)
    assert reputation_recompute() == {bob.pk: (999, -2)}
    assert profile_for(bob).reputation == -2


def test_vote_rate_limit(question, bob, settings, answer, alice):
    settings.COMMUNITY_RATES = {**settings.COMMUNITY_RATES, "vote": (2, 600)}
    posts = [answer(alice, question, f"answer {i}") for i in range(3)]
    vote_cast(post=posts[0], voter=bob, value=1)
    vote_cast(post=posts[1], voter=bob, value=1)
    with pytest.raises(CommunityError) as excinfo:
        vote_cast(post=posts[2], voter=bob, value=1)
    assert excinfo.value.status_code == 429
    assert Vote.objects.filter(voter=bob).count() == 2
