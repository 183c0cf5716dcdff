"""A post a moderator rejected (issue 18, item 3): never counted as an answer anywhere, shown to
moderators and agents collapsed and marked with the reason and without vote, flag or accept
buttons, shown to its author alone (with the reason), never to other members or visitors."""

from __future__ import annotations

import re

import pytest

from community.models import Post
from community.services import CommunityError, flag_create, post_reject, profile_for

REASON = "Advertising for another provider"


@pytest.fixture
def thread_with_rejected(question, bob, carol, mo, answer, settings):
    """alice's question with bob's published answer and carol's answer, rejected by mo."""
    answer(bob, question, body="Hold the reset button for ten seconds.")
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = True
    spam = answer(carol, question, body="Switch to CheapNet today, best prices!")
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    assert spam.status == Post.Status.PENDING
    post_reject(post=spam, moderator=mo, reason=REASON)
    question.refresh_from_db()
    return question, spam


def _article(html: str, pk: int) -> str:
    match = re.search(rf'<(article|details)[^>]*id="post-{pk}".*?</\1>', html, re.S)
    assert match, f"post {pk} is not on the page"
    return match.group(0)


@pytest.mark.parametrize("persona", ["mo", "ada"])
def test_staff_see_the_rejected_answer_marked_collapsed_and_not_counted(
    request, client_for, thread_with_rejected, persona
):
    thread, spam = thread_with_rejected
    html = client_for(request.getfixturevalue(persona)).get(thread.get_absolute_url())
    html = html.content.decode()
    assert re.search(r'id="answers-title"[^>]*>1 answer<', html), "the rejected one is counted"
    block = _article(html, spam.pk)
    assert block.startswith("<details"), "a rejected answer is collapsed"
    assert " open" not in block.split(">", 1)[0]
    assert "Rejected by a moderator" in block and REASON in block
    assert "CheapNet" in block  # the text is there when opened
    for action in ("/vote", "/flag", "/accept", "Accept this answer", "vote-btn"):
        assert action not in block, action


def test_votes_and_flags_only_on_published_answers_for_staff(client_for, thread_with_rejected, mo):
    thread, _spam = thread_with_rejected
    html = client_for(mo).get(thread.get_absolute_url()).content.decode()
    published = thread.posts.get(is_question=False, status=Post.Status.PUBLISHED)
    assert "vote-btn" in _article(html, published.pk)
    assert "/flag" in _article(html, published.pk)


def test_members_and_visitors_never_see_a_rejected_answer(
    client_for, thread_with_rejected, alice, bob
):
    thread, spam = thread_with_rejected
    for reader in (None, alice, bob):
        html = client_for(reader).get(thread.get_absolute_url()).content.decode()
        assert "CheapNet" not in html and REASON not in html
        assert f'id="post-{spam.pk}"' not in html
        assert re.search(r'id="answers-title"[^>]*>1 answer<', html)


def test_the_author_sees_their_rejected_answer_with_the_reason(
    client_for, thread_with_rejected, carol
):
    thread, spam = thread_with_rejected
    html = client_for(carol).get(thread.get_absolute_url()).content.decode()
    block = _article(html, spam.pk)
    assert "a moderator rejected your answer" in block and REASON in block
    assert "Only you and the moderators see this answer." in block
    assert re.search(r'id="answers-title"[^>]*>1 answer<', html)


def test_a_rejected_answer_cannot_be_flagged(client_for, thread_with_rejected, ada, mo):
    _thread, spam = thread_with_rejected
    with pytest.raises(CommunityError):
        flag_create(post=spam, reporter=ada, reason="spam")
    assert client_for(ada).get(f"/community/posts/{spam.pk}/flag/").status_code == 404


def test_counts_everywhere_leave_rejected_answers_out(
    client_for, thread_with_rejected, mo, carol, general
):
    thread, spam = thread_with_rejected
    assert thread.answer_count == 1
    # the category's list and the index
    html = client_for(mo).get(general.get_absolute_url()).content.decode()
    assert "<strong>1</strong>" in html and "<strong>2</strong>" not in html
    # the API: the thread's count and its list of answers
    data = client_for(mo).get(f"/api/v1/community/threads/{thread.pk}").json()
    assert data["answer_count"] == 1
    assert spam.pk not in [a["id"] for a in data["answers"]]
    assert data["answers_total"] == 1
    # the author's profile page (as a moderator sees it): no rejected answer counted or listed
    profile = profile_for(carol)
    html = client_for(mo).get(profile.get_absolute_url()).content.decode()
    assert re.search(r"<dt>Answers</dt><dd>0</dd>", html)
    assert "No posts yet." in html


def test_member_page_counts_only_published_posts(client_for, question, alice, bob, mo, answer):
    """A hidden answer is not counted on its author's page either (the stored counter was)."""
    from community.services import post_hide

    shown = answer(bob, question, body="First answer, stays.")
    hidden = answer(bob, question, body="Second answer, hidden.")
    post_hide(post=hidden, moderator=mo)
    html = client_for(alice).get(profile_for(bob).get_absolute_url()).content.decode()
    assert re.search(r"<dt>Answers</dt><dd>1</dd>", html)
    assert shown.pk and hidden.pk


def test_a_rejected_post_never_counts_as_posted_or_answered(
    question, bob, carol, mo, answer, settings, general, ask
):
    """The interaction log (what insights count: answer rate, lifecycle) records a post when
    it is published, so a post that waited and was rejected counts nowhere."""
    from community.services import post_approve
    from portal.models import Interaction, InteractionKind

    answers = Interaction.objects.filter(kind=InteractionKind.FORUM_ANSWER, target_id=question.pk)
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = True
    spam = answer(carol, question, body="Buy now!")
    assert not answers.exists()
    post_reject(post=spam, moderator=mo, reason=REASON)
    assert not answers.exists()
    good = answer(bob, question, body="Hold the reset button.")
    assert good.status == Post.Status.PENDING and not answers.exists()
    post_approve(post=good, moderator=mo)
    assert answers.count() == 1 and answers.get().metadata["post"] == good.pk
    started = Interaction.objects.filter(kind=InteractionKind.FORUM_POST)
    before = started.count()
    rejected_question = ask(carol, general, title="Cheap phones here, click!")
    assert started.count() == before
    post_reject(post=rejected_question.posts.get(), moderator=mo, reason=REASON)
    assert started.count() == before
