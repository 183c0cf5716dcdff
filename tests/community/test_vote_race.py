"""Members vote on the same post at once: every vote counts once and the score equals the sum
of the vote rows (the post row is locked while a vote is applied).

On PostgreSQL the votes run in real threads, each on its own connection, released together
by a barrier. SQLite serialises writers, so there the same votes run one after the other."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.db.models import Sum

from community.models import Category, Post, Vote
from community.services import reputation_recompute, thread_ask, vote_cast
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)
VOTERS = 5


def _vote(post, voter, value, barrier, errors):
    try:
        if barrier is not None:
            barrier.wait(timeout=10)
        vote_cast(post=post, voter=voter, value=value)
    except Exception as exc:  # surfaced by the assertions below
        errors.append(repr(exc))
    finally:
        if barrier is not None:
            connections.close_all()


def test_concurrent_votes_each_count_once(settings):
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    settings.COMMUNITY_RATES = {**settings.COMMUNITY_RATES, "vote": (1000, 60), "post": (1000, 60)}
    asker = make_user("asker@example.com", full_name="Asker")
    voters = [make_user(f"voter{i}@example.com", full_name=f"Voter {i}") for i in range(VOTERS)]
    category = Category.objects.create(name="Race", slug="race")
    thread = thread_ask(author=asker, category=category, title="Race to vote here", body="Go")
    post = Post.objects.get(thread=thread)
    # every voter votes up, and the first one also tries to vote down at the same moment
    jobs = [(voter, 1) for voter in voters] + [(voters[0], -1)]
    errors: list[str] = []
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(len(jobs))
        threads = [
            threading.Thread(target=_vote, args=(post, voter, value, barrier, errors))
            for voter, value in jobs
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    else:
        for voter, value in jobs:
            _vote(post, voter, value, None, errors)
    assert errors == []
    post.refresh_from_db()
    thread.refresh_from_db()
    total = Vote.objects.filter(post=post).aggregate(total=Sum("value"))["total"]
    assert Vote.objects.filter(post=post).count() == VOTERS
    assert post.score == total == thread.score
    assert reputation_recompute() == {}, "the ledger agrees with the votes"
