"""Who sees which category, thread and post (the one ``visible_to`` per model)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from community.models import Category, Post, Thread
from community.services import post_hide, thread_delete, thread_moderate


def names(queryset):
    return sorted(c.slug for c in queryset)


def test_category_visibility(
    general, members_only, acme_only, beta_only, beta_group, alice, amy, bob, ada, mo, carol
):
    carol.groups.add(beta_group)
    anonymous = AnonymousUser()
    assert names(Category.objects.visible_to(anonymous)) == ["broadband"]
    assert names(Category.objects.visible_to(bob)) == ["broadband", "lounge"]
    assert names(Category.objects.visible_to(alice)) == ["acme", "broadband", "lounge"]
    assert names(Category.objects.visible_to(amy)) == ["acme", "broadband", "lounge"]
    assert names(Category.objects.visible_to(carol)) == ["beta", "broadband", "lounge"]
    assert names(Category.objects.visible_to(ada)) == ["acme", "beta", "broadband", "lounge"]
    assert names(Category.objects.visible_to(mo)) == ["acme", "beta", "broadband", "lounge"]


def test_threads_and_posts_follow_their_category(acme_only, alice, amy, bob, ask, answer):
    thread = ask(alice, acme_only)
    reply = answer(amy, thread)
    assert Thread.objects.visible_to(amy).filter(pk=thread.pk).exists()
    assert not Thread.objects.visible_to(bob).filter(pk=thread.pk).exists()
    assert not Thread.objects.visible_to(AnonymousUser()).exists()
    assert not Post.objects.visible_to(bob).filter(pk=reply.pk).exists()


def test_hidden_and_deleted(question, alice, bob, mo, answer):
    reply = answer(bob, question)
    post_hide(post=reply, moderator=mo)
    assert not Post.objects.visible_to(alice).filter(pk=reply.pk).exists()
    assert Post.objects.visible_to(mo).filter(pk=reply.pk).exists()
    thread_moderate(thread=question, moderator=mo, action="hide")
    assert not Thread.objects.visible_to(alice).filter(pk=question.pk).exists()
    assert Thread.objects.visible_to(mo).filter(pk=question.pk).exists()
    thread_moderate(thread=question, moderator=mo, action="unhide")
    thread_delete(thread=question, actor=mo, reason="spam")
    assert not Thread.objects.visible_to(mo).filter(pk=question.pk).exists()
    question.refresh_from_db()
    assert question.is_deleted and question.deleted_at is not None
