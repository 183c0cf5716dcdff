"""Asking, answering and editing through the services: counters, interactions, bad input."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from community.models import Post, PostRevision, Thread, ThreadFollow
from community.services import CommunityError, post_edit, profile_for, thread_ask
from portal.models import Channel, Interaction, InteractionKind, Product


def test_ask_creates_thread_question_follow_and_interaction(alice, general):
    fibre = Product.objects.create(name="Fibre", slug="fibre")
    thread = thread_ask(
        author=alice,
        category=general,
        title="Router keeps rebooting at night",
        body="Every night at 3am.",
        tags=["Router", "router", " wifi "],
        products=[fibre],
    )
    assert thread.kind == Thread.Kind.QUESTION and not thread.is_pending
    assert sorted(t.slug for t in thread.tags.all()) == ["router", "wifi"]
    assert list(thread.products.all()) == [fibre]
    question = Post.objects.get(thread=thread)
    assert question.is_question and question.status == Post.Status.PUBLISHED
    assert ThreadFollow.objects.filter(thread=thread, user=alice).exists()
    row = Interaction.objects.get(kind=InteractionKind.FORUM_POST)
    assert row.channel == Channel.COMMUNITY and row.customer == alice.customer
    assert profile_for(alice).question_count == 1


def test_answer_updates_counters_and_records_forum_answer(question, bob, ada, answer):
    post = answer(bob, question)
    staff = answer(ada, question, "Support here: please try a factory reset.")
    question.refresh_from_db()
    assert question.answer_count == 2
    assert question.first_answer_at == post.created_at
    assert question.last_poster == ada
    assert not post.is_staff_answer and staff.is_staff_answer
    assert Interaction.objects.filter(kind=InteractionKind.FORUM_ANSWER).count() == 2
    assert profile_for(bob).answer_count == 1


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", "text", "title cannot be empty"),
        ("short", "text", "at least 8"),
        ("x" * 201, "text", "longer than 200"),
        ("A perfectly fine title", "   ", "text cannot be empty"),
        ("A perfectly fine title", "x" * 20_001, "longer than 20000"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(alice, general, title, body, message):
    with pytest.raises(CommunityError, match=message):
        thread_ask(author=alice, category=general, title=title, body=body)
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_too_many_tags(alice, general):
    with pytest.raises(CommunityError, match="at most 5 tags"):
        thread_ask(
            author=alice,
            category=general,
            title="A perfectly fine title",
            body="b",
            tags=["a1", "b2", "c3", "d4", "e5", "f6"],
        )
    assert not Thread.objects.exists()


def test_cannot_post_in_an_invisible_category(bob, acme_only):
    with pytest.raises(PermissionDenied):
        thread_ask(author=bob, category=acme_only, title="Let me in please", body="x")


def test_anonymous_cannot_post(general):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        thread_ask(author=AnonymousUser(), category=general, title="Let me in please", body="x")


def test_locked_thread_refuses_answers_except_from_moderators(question, bob, mo, answer):
    Thread.objects.filter(pk=question.pk).update(is_locked=True)
    with pytest.raises(CommunityError, match="locked"):
        answer(bob, question)
    assert answer(mo, question).pk


def test_edit_keeps_revisions_and_only_author_or_moderator(question, alice, bob, mo):
    post = question.posts.get()
    post_edit(post=post, editor=alice, body="New text", title="A better title for it")
    post_edit(post=post, editor=mo, body="Moderated text")
    post.refresh_from_db()
    question.refresh_from_db()
    assert question.title == "A better title for it"
    assert post.edit_count == 2 and post.body_markdown == "Moderated text"
    revisions = list(PostRevision.objects.filter(post=post).order_by("number"))
    assert [r.body_markdown for r in revisions] == ["It keeps blinking red.", "New text"]
    assert revisions[0].title == "How do I reset my router?"
    with pytest.raises(PermissionDenied):
        post_edit(post=post, editor=bob, body="vandal")


def test_edit_without_change_writes_no_revision(question, alice):
    post = question.posts.get()
    post_edit(post=post, editor=alice, body=post.body_markdown)
    assert not PostRevision.objects.exists()
