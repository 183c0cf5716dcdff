"""Follows and @mentions notify (in the portal and by email, per preferences), once, and only
people who may read the thread."""

from __future__ import annotations

from django.core import mail

from community.models import ThreadFollow
from community.services import post_edit, profile_for, thread_follow, thread_unfollow
from portal.models import Notification


def test_followers_hear_about_new_answers(question, alice, amy, bob, answer, settings):
    thread_follow(thread=question, user=amy)
    assert thread_follow(thread=question, user=amy) is False
    question.refresh_from_db()
    assert question.follower_count == 2
    answer(bob, question)
    titles = sorted(Notification.objects.values_list("user__email", "kind"))
    assert titles == [
        ("alice@example.com", "community.answer"),
        ("amy@example.com", "community.answer"),
    ]
    # the author of the answer is not told about their own answer
    assert not Notification.objects.filter(user=bob).exists()
    thread_unfollow(thread=question, user=amy)
    answer(bob, question, "One more thing: check the cable.")
    assert Notification.objects.filter(user=amy).count() == 1


def test_digest_email_follows_preference(
    question, alice, bob, answer, mailoutbox, django_capture_on_commit_callbacks
):
    alice.notification_preferences = {
        "email_community_digest": True,
        "digest_community_digest": False,
    }
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        answer(bob, question)
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]


def test_mentions_notify_once_and_only_readers(alice, amy, bob, acme_only, ask, answer):
    profile_for(amy)
    profile_for(bob)
    thread = ask(alice, acme_only, body="@amy-abbott and @bob-baker, any idea?")
    assert Notification.objects.filter(user=amy, kind="community.mention").count() == 1
    assert not Notification.objects.filter(user=bob).exists()  # cannot read Acme's category
    post = thread.posts.get()
    post_edit(post=post, editor=alice, body="@amy-abbott any idea? (edited)")
    assert Notification.objects.filter(user=amy, kind="community.mention").count() == 1


def test_author_follows_own_thread(question, alice):
    assert ThreadFollow.objects.filter(thread=question, user=alice).exists()
    assert not mail.outbox


def test_notices_show_an_image_by_its_alt_text_not_its_markdown(question, alice, bob, answer):
    answer(bob, question, "Like this: ![router lights](/community/images/abc123/) then wait.")
    body = Notification.objects.get(user=alice).body
    assert "[image: router lights]" in body
    assert "/community/images/" not in body and "![" not in body
