"""/api/v1/community: the same services and rules as the pages, JSON errors."""

from __future__ import annotations

import pytest

from community.models import Post, Thread, Vote
from portal.models import ApiToken
from portal.services.tokens import api_token_create

BASE = "/api/v1/community"


@pytest.fixture
def api(client):
    def for_user(user, kind=ApiToken.Kind.PERSONAL):
        headers = {}
        if user is not None:
            _token, raw = api_token_create(name="test", kind=kind, user=user)
            headers = {"Authorization": f"Bearer {raw}"}

        def call(method: str, path: str, json=None):
            if method == "get":
                return client.get(f"{BASE}{path}", headers=headers)
            return client.post(
                f"{BASE}{path}",
                data=json if json is not None else {},
                content_type="application/json",
                headers=headers,
            )

        return call

    return for_user


def test_list_and_read_follow_visibility(api, question, acme_only, alice, bob, ask, answer):
    private = ask(alice, acme_only, title="Acme only question here")
    answer(bob, question)
    anonymous = api(None)
    listed = anonymous("get", "/threads").json()
    assert [t["id"] for t in listed["items"]] == [question.pk]
    assert anonymous("get", f"/threads/{private.pk}").status_code == 404
    assert api(bob)("get", f"/threads/{private.pk}").status_code == 404
    detail = api(alice)("get", f"/threads/{private.pk}").json()
    assert detail["question"]["body"] == "It keeps blinking red."
    mine = api(alice)("get", "/threads?state=unanswered").json()
    assert [t["id"] for t in mine["items"]] == [private.pk]
    slugs = [c["slug"] for c in anonymous("get", "/categories").json()]
    assert slugs == ["broadband"]
    assert anonymous("get", "/threads?category=acme").status_code == 404
    found = anonymous("get", "/threads?q=blinking").json()
    assert found["count"] == 1


def test_bad_token_is_401(client, db):
    response = client.get(f"{BASE}/threads", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_ask_answer_vote_accept(api, general, alice, bob, carol):
    as_alice, as_bob = api(alice), api(bob)
    created = as_alice(
        "post",
        "/threads",
        {
            "category": "broadband",
            "title": "Wi-Fi drops every evening",
            "body": "Around 8pm.",
            "tags": ["wifi"],
        },
    )
    assert created.status_code == 201, created.content
    thread_id = created.json()["id"]
    assert created.json()["tags"] == ["wifi"]
    answered = as_bob("post", f"/threads/{thread_id}/answers", {"body": "Change the channel."})
    assert answered.status_code == 201
    post_id = answered.json()["id"]
    voted = api(carol)("post", f"/posts/{post_id}/vote", {"value": 1})
    assert voted.json() == {"post_id": post_id, "score": 1, "my_vote": 1}
    assert as_bob("post", f"/posts/{post_id}/vote", {"value": 1}).status_code == 422
    assert as_bob("post", f"/threads/{thread_id}/accept", {"post_id": post_id}).status_code == 403
    accepted = as_alice("post", f"/threads/{thread_id}/accept", {"post_id": post_id})
    assert accepted.status_code == 200 and accepted.json()["is_solved"]
    detail = as_bob("get", f"/threads/{thread_id}").json()
    assert detail["answers"][0]["accepted"] is True
    undone = as_alice("post", f"/threads/{thread_id}/accept", {"post_id": None})
    assert undone.json()["accepted_answer_id"] is None


@pytest.mark.parametrize(
    "payload",
    [
        {"category": "broadband", "title": "short", "body": "x"},
        {"category": "broadband", "title": "A fine title here", "body": ""},
        {"category": "nowhere", "title": "A fine title here", "body": "x"},
        {"category": "acme", "title": "A fine title here", "body": "x"},
        {"category": "broadband", "title": "A fine title here", "body": "x", "pinned": True},
        {"category": "broadband", "title": "A fine title here", "body": "x", "kind": "poll"},
        {"category": "broadband", "title": "A fine title here", "body": "x", "products": ["nope"]},
        {"category": "broadband", "title": "   whitespace only   ", "body": "   "},
    ],
)
def test_bad_input_is_422_and_writes_nothing(api, general, acme_only, bob, payload):
    response = api(bob)("post", "/threads", payload)
    assert response.status_code == 422, response.content
    assert "detail" in response.json()
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_vote_value_and_visibility(api, question, acme_only, alice, bob, ask):
    post = question.posts.get()
    assert api(bob)("post", f"/posts/{post.pk}/vote", {"value": 2}).status_code == 422
    private = ask(alice, acme_only, title="Acme only question here").posts.get()
    assert api(bob)("post", f"/posts/{private.pk}/vote", {"value": 1}).status_code == 404
    assert not Vote.objects.exists()


def test_writing_needs_a_member(api, question, root):
    assert api(None)("post", f"/threads/{question.pk}/answers", {"body": "x"}).status_code == 401
    integration = api(root, kind=ApiToken.Kind.INTEGRATION)
    assert integration("post", f"/threads/{question.pk}/answers", {"body": "x"}).status_code == 403


def test_rate_limited_is_429(api, question, bob, settings):
    settings.COMMUNITY_RATES = {**settings.COMMUNITY_RATES, "post": (1, 600)}
    call = api(bob)
    assert call("post", f"/threads/{question.pk}/answers", {"body": "one"}).status_code == 201
    limited = call("post", f"/threads/{question.pk}/answers", {"body": "two"})
    assert limited.status_code == 429 and "Slow down" in limited.json()["detail"]


def test_locked_thread_refuses_answers(api, question, bob, mo):
    from community.services import thread_moderate

    thread_moderate(thread=question, moderator=mo, action="lock")
    response = api(bob)("post", f"/threads/{question.pk}/answers", {"body": "late"})
    assert response.status_code == 422 and "locked" in response.json()["detail"]


def test_api_search_keeps_its_filters(api, general, members_only, alice, bob, ask, answer):
    ask(alice, general, title="Router update public", body="Text.")
    ask(alice, members_only, title="Router update for members", body="Text.")
    found = api(None)("get", "/threads?q=router+update").json()
    assert [t["title"] for t in found["items"]] == ["Router update public"]
    found = api(bob)("get", "/threads?q=router+update&category=lounge").json()
    assert found["count"] == 1
    assert [t["title"] for t in found["items"]] == ["Router update for members"]
    assert api(bob)("get", "/threads?q=router&state=solved").json()["count"] == 0
