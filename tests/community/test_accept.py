"""Accepted answers: the asker or a moderator, one at a time, changeable, reputation moves."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from community.models import ModerationAction, ReputationEntry
from community.services import (
    CommunityError,
    answer_accept,
    answer_unaccept,
    post_hide,
    profile_for,
    thread_ask,
)
from portal.models import Interaction, InteractionKind


def test_asker_accepts_and_changes_their_mind(question, alice, bob, carol, answer):
    first, second = answer(bob, question), answer(carol, question, "Try another cable.")
    answer_accept(thread=question, post=first, user=alice)
    question.refresh_from_db()
    assert question.accepted_answer == first and question.is_solved
    assert profile_for(bob).reputation == 15 and profile_for(bob).accepted_count == 1
    answer_accept(thread=question, post=second, user=alice)
    question.refresh_from_db()
    assert question.accepted_answer == second
    assert profile_for(bob).reputation == 0 and profile_for(bob).accepted_count == 0
    assert profile_for(carol).reputation == 15
    assert Interaction.objects.filter(kind=InteractionKind.FORUM_ACCEPT).count() == 2
    answer_unaccept(thread=question, user=alice)
    question.refresh_from_db()
    assert question.accepted_answer is None and not question.is_solved
    assert profile_for(carol).reputation == 0


def test_accepting_the_same_answer_twice_is_a_no_op(question, alice, bob, answer):
    post = answer(bob, question)
    answer_accept(thread=question, post=post, user=alice)
    answer_accept(thread=question, post=post, user=alice)
    assert ReputationEntry.objects.filter(user=bob).count() == 1


def test_only_the_asker_or_a_moderator(question, alice, amy, bob, mo, ada, answer):
    post = answer(bob, question)
    with pytest.raises(PermissionDenied):
        answer_accept(thread=question, post=post, user=amy)
    with pytest.raises(PermissionDenied):
        answer_accept(thread=question, post=post, user=bob)
    answer_accept(thread=question, post=post, user=mo)
    assert ModerationAction.objects.filter(action="accept", actor=mo).exists()
    answer_unaccept(thread=question, user=ada)


def test_no_reputation_for_accepting_your_own_answer(question, alice, answer):
    post = answer(alice, question, "Found it myself: firmware update.")
    answer_accept(thread=question, post=post, user=alice)
    assert profile_for(alice).reputation == 0


def test_rules_on_what_can_be_accepted(question, alice, bob, general, answer):
    with pytest.raises(CommunityError):
        answer_accept(thread=question, post=question.posts.get(), user=alice)
    other = thread_ask(author=bob, category=general, title="Another question here", body="b")
    foreign = answer(alice, other)
    with pytest.raises(CommunityError):
        answer_accept(thread=question, post=foreign, user=alice)
    discussion = thread_ask(
        author=alice, category=general, title="Let us talk about TV", body="b", kind="discussion"
    )
    reply = answer(bob, discussion)
    with pytest.raises(CommunityError, match="Only questions"):
        answer_accept(thread=discussion, post=reply, user=alice)


def test_hiding_the_accepted_answer_unsolves_and_reverses(question, alice, bob, mo, answer):
    post = answer(bob, question)
    answer_accept(thread=question, post=post, user=alice)
    post_hide(post=post, moderator=mo)
    question.refresh_from_db()
    assert question.accepted_answer is None and not question.is_solved
    assert question.answer_count == 0
    assert profile_for(bob).reputation == 0
