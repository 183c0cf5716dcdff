"""Double submits create one thing in the forum: the ask and answer forms carry a key per
form render, the API takes ``Idempotency-Key`` (portal.idempotency).

The "at once" cases post in real threads on PostgreSQL (each thread its own client and
connection, released together by a barrier); SQLite serialises writers, so there the same
posts run one after the other."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from community.models import Category, Post, Thread
from portal.services.tokens import api_token_create
from tests.portal.test_idempotency import concurrently
from tests.tickets.test_double_submit import form_key, logged_in

ASK = reverse("community:ask")


def _ask_data(category, key) -> dict:
    return {
        "title": "How do I reset my router?",
        "body": "It keeps blinking red.",
        "category": category.pk,
        "kind": "question",
        "tags": "router",
        "idempotency_key": key,
    }


def test_asking_twice_posts_one_question(client_for, alice, general):
    client = client_for(alice)
    data = _ask_data(general, form_key(client.get(ASK)))
    first = client.post(ASK, data)
    again = client.post(ASK, data, follow=True)
    thread = Thread.objects.get()
    assert first.status_code == 302 and again.redirect_chain[-1][0] == thread.get_absolute_url()
    assert "You already posted this question" in again.content.decode()
    assert Post.objects.filter(thread=thread).count() == 1


def test_a_bad_key_is_a_form_error(client_for, alice, general):
    response = client_for(alice).post(ASK, _ask_data(general, "bad key!"))
    assert response.status_code == 400
    assert "submission key is not valid" in response.content.decode()
    assert not Thread.objects.exists()


def test_answering_twice_posts_one_answer(client_for, alice, bob, question):
    client = client_for(bob)
    key = form_key(client.get(question.get_absolute_url()))
    url = reverse("community:answer", args=[question.pk])
    data = {"body": "Hold reset for ten seconds.", "idempotency_key": key}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Post.objects.filter(thread=question, is_question=False).count() == 1
    refused = client.post(url, {**data, "body": "Something else entirely"})
    assert refused.status_code == 400
    assert "already used for a different submission" in refused.content.decode()
    assert Post.objects.filter(thread=question, is_question=False).count() == 1


def test_the_api_replays_a_question_sent_twice(client, alice, general):
    _token, raw = api_token_create(name="t", kind="personal", user=alice)
    headers = {"Authorization": f"Bearer {raw}", "Idempotency-Key": "q-0001-retry"}
    body = {"category": general.slug, "title": "How do I reset my router?", "body": "Red."}
    first, again = (
        client.post("/api/v1/community/threads", body, "application/json", headers=headers)
        for _ in range(2)
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Thread.objects.count() == 1


# --- at the same time, on PostgreSQL ------------------------------------------------------
def _setup_category() -> Category:
    return Category.objects.create(name="Broadband and TV", slug="broadband", order=1)


@pytest.mark.django_db(transaction=True)
def test_the_ask_form_posted_twice_at_once_posts_one_question(alice):
    general = _setup_category()
    data = _ask_data(general, form_key(logged_in(alice).get(ASK)))
    responses = concurrently([lambda: logged_in(alice).post(ASK, data) for _ in range(3)])
    thread = Thread.objects.get()
    assert [r.status_code for r in responses] == [302] * 3
    assert {r["Location"] for r in responses} == {thread.get_absolute_url()}
    assert Post.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_answer_posted_twice_at_once_is_one_post(alice, bob):
    from community.services import thread_ask

    question = thread_ask(
        author=alice, category=_setup_category(), title="How do I reset it?", body="Red."
    )
    key = form_key(logged_in(bob).get(question.get_absolute_url()))
    url = reverse("community:answer", args=[question.pk])
    data = {"body": "Hold reset for ten seconds.", "idempotency_key": key}
    responses = concurrently([lambda: logged_in(bob).post(url, data) for _ in range(3)])
    assert [r.status_code for r in responses] == [302] * 3
    assert Post.objects.filter(thread=question, is_question=False).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_api_with_one_key_at_once_posts_one_answer(alice, bob):
    from community.services import thread_ask

    question = thread_ask(
        author=alice, category=_setup_category(), title="How do I reset it?", body="Red."
    )
    _token, raw = api_token_create(name="t", kind="personal", user=bob)
    headers = {"Authorization": f"Bearer {raw}", "Idempotency-Key": "answer-0001"}
    url = f"/api/v1/community/threads/{question.pk}/answers"

    def post():
        return Client().post(url, {"body": "Hold reset."}, "application/json", headers=headers)

    responses = concurrently([post for _ in range(3)])
    assert [r.status_code for r in responses] == [201] * 3
    assert len({r.content for r in responses}) == 1
    assert Post.objects.filter(thread=question, is_question=False).count() == 1
