"""Moderation: flags, thread actions, soft delete with audit, merge, conversion into a ticket,
promotion of an accepted answer into a draft KB article, and the queue pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.text import slugify

from community.models import Flag, ModerationAction, Post, Thread, ThreadFollow
from community.services import (
    CommunityError,
    answer_accept,
    answer_promote,
    flag_create,
    flag_resolve,
    post_delete,
    thread_delete,
    thread_merge,
    thread_moderate,
    thread_move,
    thread_to_ticket,
)
from knowledgebase.models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage
from portal.models import Interaction, InteractionKind
from tickets.models import Ticket


def actions():
    return list(ModerationAction.objects.order_by("pk").values_list("action", flat=True))


def test_flags_once_then_upheld_hides_the_post(question, alice, bob, carol, mo, answer):
    post = answer(bob, question)
    flag = flag_create(post=post, reporter=alice, reason="spam", note="link farm")
    flag_create(post=post, reporter=carol, reason="offensive")
    with pytest.raises(CommunityError, match="already flagged"):
        flag_create(post=post, reporter=alice, reason="spam")
    with pytest.raises(CommunityError, match="own post"):
        flag_create(post=post, reporter=bob, reason="spam")
    with pytest.raises(CommunityError, match="reason"):
        flag_create(post=question.posts.get(is_question=True), reporter=carol, reason="because")
    assert Interaction.objects.filter(kind=InteractionKind.FORUM_FLAG).count() == 2
    flag_resolve(flag=flag, moderator=mo, uphold=True, reason="spam")
    post.refresh_from_db()
    assert post.is_hidden
    assert set(Flag.objects.values_list("status", flat=True)) == {"upheld"}
    assert actions() == ["flag_uphold", "hide"]
    with pytest.raises(PermissionDenied):
        flag_resolve(flag=flag, moderator=alice, uphold=False)


def test_dismissed_flag_leaves_the_post(question, alice, bob, ada, answer):
    post = answer(bob, question)
    flag = flag_create(post=post, reporter=alice, reason="wrong")
    flag_resolve(flag=flag, moderator=ada, uphold=False)
    post.refresh_from_db()
    assert not post.is_hidden and Flag.objects.get().status == "dismissed"


def test_lock_pin_hide_are_logged_once(question, mo):
    for action in ("lock", "lock", "pin", "hide", "unhide", "unpin", "unlock"):
        thread_moderate(thread=question, moderator=mo, action=action, reason="test")
    assert actions() == ["lock", "pin", "hide", "unhide", "unpin", "unlock"]
    with pytest.raises(CommunityError):
        thread_moderate(thread=question, moderator=mo, action="explode")


def test_customers_cannot_moderate(question, alice):
    with pytest.raises(PermissionDenied):
        thread_moderate(thread=question, moderator=alice, action="lock")


def test_move(question, mo, members_only):
    old = question.category_id
    thread_move(thread=question, moderator=mo, category=members_only, reason="belongs there")
    question.refresh_from_db()
    assert question.category == members_only
    entry = ModerationAction.objects.get()
    assert entry.metadata == {"from": old, "to": members_only.pk}


def test_merge_moves_answers_followers_and_points(
    question, alice, amy, bob, carol, mo, general, ask, answer
):
    duplicate = ask(amy, general, title="Router light red, how to reset?")
    moved = answer(bob, duplicate)
    answer(carol, question)
    answer_accept(thread=duplicate, post=moved, user=amy)
    thread_merge(thread=duplicate, into=question, moderator=mo, reason="duplicate")
    duplicate.refresh_from_db()
    question.refresh_from_db()
    assert duplicate.merged_into == question and duplicate.is_locked
    assert duplicate.answer_count == 0 and not duplicate.is_solved
    assert question.answer_count == 2
    assert question.accepted_answer == moved
    assert ThreadFollow.objects.filter(thread=question, user=amy).exists()
    assert question.follower_count == 2
    with pytest.raises(CommunityError):
        thread_merge(thread=question, into=question, moderator=mo)
    with pytest.raises(CommunityError):
        thread_merge(thread=question, into=duplicate, moderator=mo)


def test_soft_delete_keeps_rows_and_audits(question, alice, bob, mo, answer):
    post = answer(bob, question)
    post_delete(post=post, actor=bob, reason="wrong thread")
    post.refresh_from_db()
    question.refresh_from_db()
    assert post.is_deleted and Post.objects.filter(pk=post.pk).exists()
    assert question.answer_count == 0
    with pytest.raises(PermissionDenied):
        post_delete(post=post, actor=bob, restore=True)
    post_delete(post=post, actor=mo, restore=True)
    question.refresh_from_db()
    assert question.answer_count == 1
    with pytest.raises(CommunityError, match="with answers"):
        thread_delete(thread=question, actor=alice)
    thread_delete(thread=question, actor=mo, reason="obsolete")
    assert actions() == ["delete", "restore", "delete"]
    log = ModerationAction.objects.order_by("pk").last()
    assert log.actor == mo and log.reason == "obsolete" and log.thread == question
    with pytest.raises(ValueError, match="append-only"):
        log.save()


def test_asker_may_delete_an_unanswered_question(question, alice, bob):
    with pytest.raises(PermissionDenied):
        thread_delete(thread=question, actor=bob)
    thread_delete(thread=question, actor=alice)
    question.refresh_from_db()
    assert question.is_deleted


def test_convert_into_a_ticket_once(question, alice, mo, ada):
    ticket = thread_to_ticket(thread=question, moderator=mo)
    assert ticket.customer == alice.customer and ticket.subject == question.title
    first = ticket.messages.get()
    assert "It keeps blinking red." in first.body
    assert f"/community/t/{question.pk}/" in first.body
    assert ticket.channel == "community"
    assert thread_to_ticket(thread=question, moderator=ada) == ticket
    assert Ticket.objects.count() == 1
    question.refresh_from_db()
    assert question.ticket == ticket
    assert "to_ticket" in actions()


def test_staff_threads_cannot_become_tickets(general, ada, mo, ask):
    thread = ask(ada, general, title="Maintenance announcement for all")
    with pytest.raises(CommunityError, match="customer"):
        thread_to_ticket(thread=thread, moderator=mo)


@pytest.fixture
def kb_category(db) -> CategoryPage:
    kb = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
    category = CategoryPage(title="Internet", slug=slugify("Internet"))
    kb.add_child(instance=category)
    category.save_revision().publish()
    return category


def test_promote_accepted_answer_into_a_draft_article(
    question, alice, bob, mo, kb_category, answer
):
    post = answer(bob, question, "Hold **reset** for 10 seconds.")
    with pytest.raises(CommunityError, match="accepted"):
        answer_promote(thread=question, moderator=mo)
    answer_accept(thread=question, post=post, user=alice)
    article = answer_promote(thread=question, moderator=mo, parent=kb_category)
    article = ArticlePage.objects.get(pk=article.pk)
    assert not article.live
    assert article.get_parent().pk == kb_category.pk
    assert article.title == question.title
    body = str(article.body)
    assert "<strong>reset</strong>" in body and "Bob Baker" in body
    assert f"/community/t/{question.pk}/" in body
    assert article.get_latest_revision() is not None
    assert not ArticlePage.objects.visible_to(alice).filter(pk=article.pk).exists()
    assert answer_promote(thread=question, moderator=mo).pk == article.pk
    assert ArticlePage.objects.filter(title=question.title).count() == 1
    with pytest.raises(PermissionDenied):
        answer_promote(thread=question, moderator=alice)


def test_queue_pages_for_moderators_only(client_for, question, alice, bob, mo, ada, answer):
    post = answer(bob, question)
    flag_create(post=post, reporter=alice, reason="spam")
    assert client_for(alice).get("/community/moderation/").status_code == 403
    for user in (mo, ada):
        page = client_for(user).get("/community/moderation/")
        assert page.status_code == 200 and "Spam or advertising" in page.content.decode()
    client = client_for(mo)
    flag = Flag.objects.get()
    assert (
        client.post(f"/community/moderation/flags/{flag.pk}/", {"action": "uphold"}).status_code
        == 302
    )
    assert (
        client.post(f"/community/moderation/t/{question.pk}/", {"action": "lock"}).status_code
        == 302
    )
    assert (
        client.post(f"/community/moderation/t/{question.pk}/", {"action": "nope"}).status_code
        == 422
    )
    assert (
        client.post(f"/community/moderation/t/{question.pk}/merge/", {"into": "999999"}).status_code
        == 422
    )
    assert client.post(f"/community/moderation/t/{question.pk}/ticket/").status_code == 302
    log = client.get("/community/moderation/log/")
    assert log.status_code == 200 and "Converted into a ticket" in log.content.decode()
    assert (
        client_for(alice)
        .post(f"/community/moderation/t/{question.pk}/", {"action": "unlock"})
        .status_code
        == 403
    )
    question.refresh_from_db()
    assert question.is_locked and Thread.objects.get(pk=question.pk).ticket_id


def test_approve_from_the_queue(client_for, general, alice, mo, settings, ask):
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = True
    thread = ask(alice, general)
    post = thread.posts.get()
    response = client_for(mo).post(
        f"/community/moderation/posts/{post.pk}/", {"action": "approve", "next": "queue"}
    )
    assert response.status_code == 302 and response["Location"] == "/community/moderation/"
    thread.refresh_from_db()
    assert not thread.is_pending
    again = client_for(mo).post(f"/community/moderation/posts/{post.pk}/", {"action": "approve"})
    assert again.status_code == 422


def test_each_thread_action_has_its_own_url(client_for, mo, alice, general, ask, question):
    """The moderator tools post to one URL per action (move, merge, delete, restore), each
    redirecting where its result is seen; the pin/lock/hide form names its state."""
    from community.models import Category

    client = client_for(mo)
    base = f"/community/moderation/t/{question.pk}"
    page = client.get(question.get_absolute_url()).content.decode()
    for action in ("delete", "move", "merge", "ticket"):
        assert f'"{base}/{action}/"' in page
    elsewhere = Category.objects.create(name="Elsewhere", slug="elsewhere")
    assert client.post(f"{base}/move/", {"category": elsewhere.pk}).status_code == 302
    assert Thread.objects.get(pk=question.pk).category == elsewhere
    assert client.post(f"{base}/move/", {"category": "x"}).status_code == 422
    assert client.post(f"{base}/", {"action": "pin"}).status_code == 302
    assert client.post(f"{base}/", {"action": "delete"}).status_code == 422  # not a state
    deleted = client.post(f"{base}/delete/")
    assert deleted.status_code == 302 and deleted["Location"] == "/community/moderation/"
    assert Thread.objects.get(pk=question.pk).is_deleted
    assert client.post(f"{base}/restore/").status_code == 302
    assert not Thread.objects.get(pk=question.pk).is_deleted
    target = ask(alice, general, title="The same router question, again")
    assert client.post(f"{base}/merge/", {"into": target.pk}).status_code == 302
    assert actions()[-5:] == ["move", "pin", "delete", "restore", "merge"]
    assert client.post(f"{base}/article/").status_code == 422  # no accepted answer
    assert client_for(alice).post(f"{base}/restore/").status_code == 403


def test_the_promote_form_lists_real_kb_categories_of_each_language(kb_category):
    from community.views.moderation import moderation_context
    from knowledgebase.translation import translate_page

    alias = CategoryPage.objects.get(
        translation_key=kb_category.translation_key, locale__language_code="it"
    )
    assert alias.alias_of_id == kb_category.pk  # mirrored when published
    listed = list(moderation_context()["kb_categories"])
    assert [page.pk for page in listed] == [kb_category.pk]  # not the Italian alias

    italian = translate_page(kb_category, "it", title="Connessione", slug="connessione")
    assert italian.pk in {page.pk for page in moderation_context()["kb_categories"]}
