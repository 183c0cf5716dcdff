"""The forum pages: what each role sees, forms with and without htmx, bad input, 404s,
constant query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Post, PostRevision, Thread, Vote
from community.services import answer_accept, post_edit, thread_ask, vote_cast


def test_index_lists_categories_recent_and_unanswered(client_for, question, acme_only, alice, ask):
    ask(alice, acme_only, title="Private Acme question here")
    page = client_for(None).get("/community/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Broadband and TV" in html and question.title in html
    assert "Acme private" not in html and "Private Acme question" not in html
    html = client_for(alice).get("/community/").content.decode()
    assert "Acme private" in html and "Private Acme question" in html


def test_category_page_sorts_filters_and_paginates(client_for, general, alice, bob, answer):
    threads = [
        thread_ask(author=alice, category=general, title=f"Question number {i:03d}", body="b")
        for i in range(25)
    ]
    answer(bob, threads[3])
    client = client_for(None)
    page = client.get(f"/community/c/{general.slug}/?sort=votes&show=unanswered")
    assert page.status_code == 200
    assert page.context["page_obj"].paginator.count == 24
    page2 = client.get(f"/community/c/{general.slug}/?page=2")
    assert len(page2.context["threads"]) == 5
    assert client.get(f"/community/c/{general.slug}/?sort=bogus&page=x").status_code == 200


def test_category_page_constant_queries(client, general, alice):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/community/c/{general.slug}/").status_code == 200
        return len(ctx)

    thread_ask(author=alice, category=general, title="The first question", body="b", tags=["x"])
    few = count()
    for i in range(15):
        thread_ask(
            author=alice, category=general, title=f"Question number {i}", body="b", tags=[f"t{i}"]
        )
    assert count() == few


def test_thread_page_constant_queries(client_for, question, alice, bob, carol, answer):
    client = client_for(bob)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(question.get_absolute_url()).status_code == 200
        return len(ctx)

    answer(carol, question)
    count()  # the first view writes the daily view row
    few = count()
    for i in range(10):
        post = answer(carol if i % 2 else alice, question, f"Answer {i}")
        vote_cast(post=post, voter=bob, value=1)
    assert count() == few


def test_invisible_category_thread_and_member_are_404(client_for, acme_only, alice, bob, ask):
    thread = ask(alice, acme_only)
    client = client_for(bob)
    assert client.get(f"/community/c/{acme_only.slug}/").status_code == 404
    assert client.get(thread.get_absolute_url()).status_code == 404
    post = thread.posts.get()
    assert client.post(f"/community/posts/{post.pk}/vote/", {"value": "1"}).status_code == 404
    assert client.get("/community/members/nobody-here/").status_code == 404


def test_answers_sorted_accepted_first_then_score(
    client_for, question, alice, bob, carol, amy, answer
):
    low = answer(bob, question, "low")
    high = answer(carol, question, "high")
    vote_cast(post=high, voter=amy, value=1)
    answer_accept(thread=question, post=low, user=alice)
    page = client_for(None).get(question.get_absolute_url())
    assert [p.pk for p in page.context["answers"]] == [low.pk, high.pk]
    assert "Accepted answer" in page.content.decode()


def test_answer_form_without_js(client_for, question, bob):
    client = client_for(bob)
    response = client.post(f"/community/t/{question.pk}/answer/", {"body": "Try **this**."})
    post = Post.objects.get(thread=question, is_question=False)
    assert response.status_code == 302 and response["Location"].endswith(f"#post-{post.pk}")
    bad = client.post(f"/community/t/{question.pk}/answer/", {"body": "  "})
    assert bad.status_code == 400 and "This field is required" in bad.content.decode()


def test_answer_rate_limited_with_clear_message(client_for, question, bob, settings):
    settings.COMMUNITY_RATES = {**settings.COMMUNITY_RATES, "post": (1, 600)}
    client = client_for(bob)
    client.post(f"/community/t/{question.pk}/answer/", {"body": "one"})
    response = client.post(f"/community/t/{question.pk}/answer/", {"body": "two"})
    assert response.status_code == 429
    assert "Slow down" in response.content.decode()
    assert Post.objects.filter(thread=question, is_question=False).count() == 1


def test_vote_without_js_and_with_htmx(client_for, question, bob):
    client = client_for(bob)
    post = question.posts.get()
    response = client.post(f"/community/posts/{post.pk}/vote/", {"value": "1"})
    assert response.status_code == 302
    response = client.post(
        f"/community/posts/{post.pk}/vote/", {"value": "0"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and f'id="vote-{post.pk}"' in response.content.decode()
    assert not Vote.objects.exists()
    bad = client.post(f"/community/posts/{post.pk}/vote/", {"value": "7"})
    assert bad.status_code == 422


def test_self_vote_is_a_clear_422(client_for, question, alice):
    post = question.posts.get()
    response = client_for(alice).post(
        f"/community/posts/{post.pk}/vote/", {"value": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422 and "own post" in response.content.decode()


def test_accept_and_follow_forms(client_for, question, alice, bob, answer):
    post = answer(bob, question)
    client = client_for(alice)
    assert client.post(f"/community/t/{question.pk}/accept/", {"post": post.pk}).status_code == 302
    question.refresh_from_db()
    assert question.accepted_answer == post
    htmx = client.post(
        f"/community/t/{question.pk}/accept/", {"post": "none"}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 204 and htmx["HX-Refresh"] == "true"
    assert client.post(f"/community/t/{question.pk}/accept/", {"post": "abc"}).status_code == 422
    other = client_for(bob)
    assert other.post(f"/community/t/{question.pk}/accept/", {"post": post.pk}).status_code == 403
    followed = other.post(
        f"/community/t/{question.pk}/follow/", {"follow": "1"}, headers={"HX-Request": "true"}
    )
    assert "Following" in followed.content.decode()


def test_ask_page_suggests_and_posts(client_for, general, alice, bob):
    thread_ask(author=bob, category=general, title="Router blinking red all night", body="b")
    client = client_for(alice)
    page = client.get("/community/ask/?title=router+red")
    assert "Router blinking red all night" in page.content.decode()
    partial = client.get("/community/ask/similar/?title=blinking+router")
    assert "Router blinking red all night" in partial.content.decode()
    response = client.post(
        "/community/ask/",
        {
            "title": "My router is blinking red",
            "body": "Since yesterday.",
            "category": general.pk,
            "kind": "question",
            "tags": "router, wifi",
        },
    )
    thread = Thread.objects.get(title="My router is blinking red")
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    bad = client.post(
        "/community/ask/", {"title": "short", "body": "", "category": 999, "kind": "poll"}
    )
    assert bad.status_code == 400
    assert Thread.objects.count() == 2


def test_ask_needs_sign_in(client_for, db):
    response = client_for(None).get("/community/ask/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_edit_and_history(client_for, question, alice, bob):
    post = question.posts.get()
    assert client_for(bob).get(f"/community/posts/{post.pk}/edit/").status_code == 403
    client = client_for(alice)
    response = client.post(
        f"/community/posts/{post.pk}/edit/",
        {"title": "Router blinks red after update", "body": "Edited body"},
    )
    assert response.status_code == 302
    assert PostRevision.objects.filter(post=post).count() == 1
    history = client_for(None).get(f"/community/posts/{post.pk}/history/")
    assert "It keeps blinking red." in history.content.decode()


def test_flag_form(client_for, question, bob, alice):
    post = question.posts.get()
    client = client_for(bob)
    assert client.get(f"/community/posts/{post.pk}/flag/").status_code == 200
    assert client.post(f"/community/posts/{post.pk}/flag/", {"reason": "spam"}).status_code == 302
    again = client.post(f"/community/posts/{post.pk}/flag/", {"reason": "spam"})
    assert again.status_code == 422 and "already flagged" in again.content.decode()
    assert (
        client_for(alice).post(f"/community/posts/{post.pk}/flag/", {"reason": "spam"}).status_code
        == 422
    )


def test_member_profile_shows_badges(client_for, question, alice, bob, answer):
    post = answer(bob, question)
    answer_accept(thread=question, post=post, user=alice)
    page = client_for(None).get(reverse("community:member", args=["bob-baker"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "First answer" in html and "Problem solver" in html and "15" in html


@pytest.mark.parametrize("path", ["/community/", "/community/ask/"])
def test_main_nav_has_community(client_for, alice, path):
    html = client_for(alice).get(path).content.decode()
    assert 'href="/community/" aria-current="page"' in html or 'href="/community/"' in html


def test_pending_post_is_visible_to_author_only(client_for, general, alice, bob, settings):
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = True
    thread = thread_ask(
        author=alice, category=general, title="My very first question", body="hello"
    )
    assert client_for(alice).get(thread.get_absolute_url()).status_code == 200
    assert client_for(bob).get(thread.get_absolute_url()).status_code == 404


def test_editing_a_deleted_post_is_refused(question, alice, mo, bob, answer):
    from community.services import CommunityError, post_delete

    post = answer(bob, question)
    post_delete(post=post, actor=bob)
    with pytest.raises(CommunityError):
        post_edit(post=post, editor=mo, body="x")


def test_deep_pages_cost_the_same_queries_as_the_first(
    client_for, general, question, alice, bob, carol, answer, monkeypatch
):
    """Category and thread pages: the same number of queries on every page, for a visitor and
    for a member (the benchmark's pages: bench/community.py)."""
    from community.views import pages

    monkeypatch.setattr(pages, "ANSWERS_PER_PAGE", 3)
    monkeypatch.setattr(pages, "THREADS_PER_PAGE", 4)
    for i in range(13):
        thread_ask(author=alice, category=general, title=f"Listed question {i}", body="b")
        answer(carol if i % 2 else bob, question, f"Answer number {i}")

    def count(client, url) -> int:
        client.get(url)  # the first view of a thread writes the daily view row
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    for reader in (None, bob):
        client = client_for(reader)
        category = general.get_absolute_url()
        first = count(client, category)
        assert count(client, f"{category}?page=2") == first
        assert count(client, f"{category}?page=4") == first  # the last page
        thread = question.get_absolute_url()
        first = count(client, thread)
        assert count(client, f"{thread}?page=3") == first
        assert count(client, f"{thread}?page=5") == first  # the last page
