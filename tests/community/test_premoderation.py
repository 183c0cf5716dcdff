"""New members' first posts wait for a moderator (COMMUNITY_PREMODERATE_FIRST_POSTS)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from community.models import ModerationAction, Post, Thread
from community.services import CommunityError, post_approve, post_reject, profile_for


@pytest.fixture(autouse=True)
def _premoderate(settings):
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = True


def test_first_question_waits_and_is_seen_by_author_and_moderators(alice, bob, mo, general, ask):
    thread = ask(alice, general)
    assert thread.is_pending
    assert Thread.objects.visible_to(alice).filter(pk=thread.pk).exists()
    assert Thread.objects.visible_to(mo).filter(pk=thread.pk).exists()
    assert not Thread.objects.visible_to(bob).filter(pk=thread.pk).exists()
    assert not Thread.objects.visible_to(AnonymousUser()).filter(pk=thread.pk).exists()
    assert profile_for(alice).question_count == 0
    post_approve(post=thread.posts.get(), moderator=mo)
    thread.refresh_from_db()
    assert not thread.is_pending
    assert Thread.objects.visible_to(bob).filter(pk=thread.pk).exists()
    assert profile_for(alice).approved_post_count == 1
    assert ModerationAction.objects.filter(action="approve").count() == 1
    # Trusted now: the next question is published straight away.
    assert not ask(alice, general, title="A second question for all").is_pending


def test_pending_answer_does_not_count_until_approved(
    alice, bob, mo, general, ask, answer, settings
):
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    thread = ask(alice, general)
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = True
    reply = answer(bob, thread)
    thread.refresh_from_db()
    assert reply.status == Post.Status.PENDING and thread.answer_count == 0
    assert not Post.objects.visible_to(alice).filter(pk=reply.pk).exists()
    post_approve(post=reply, moderator=mo)
    thread.refresh_from_db()
    assert thread.answer_count == 1


def test_reject_removes_the_thread(alice, mo, general, ask):
    thread = ask(alice, general)
    post_reject(post=thread.posts.get(), moderator=mo, reason="spam")
    thread.refresh_from_db()
    assert thread.is_deleted
    with pytest.raises(CommunityError):
        post_approve(post=thread.posts.get(), moderator=mo)


def test_moderators_and_agents_are_not_premoderated(ada, mo, general, ask):
    assert not ask(ada, general).is_pending
    assert not ask(mo, general, title="Moderator announcement").is_pending


def test_setting_off(settings, alice, general, ask):
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    assert not ask(alice, general).is_pending
