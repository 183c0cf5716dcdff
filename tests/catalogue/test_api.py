"""The catalogue API: items with their form schema, submit with Idempotency-Key, status;
JSON 4xx for bad input, never a 500 and never a half-written request."""

from __future__ import annotations

import pytest

from catalogue.models import PaymentCard, ServiceRequest
from portal.models import ApiToken
from portal.services.tokens import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    def call(user, method, path, body=None, **headers):
        auth = {}
        if user is not None:
            _token, raw = api_token_create(name="t", kind=ApiToken.Kind.PERSONAL, user=user)
            auth["Authorization"] = f"Bearer {raw}"
        if method == "get":
            return client.get(path, headers={**auth, **headers})
        return client.post(
            path, data=body or {}, content_type="application/json", headers={**auth, **headers}
        )

    return call


def test_catalogue_lists_items_with_their_schema(items, alice, amy, ada, api):
    response = api(alice, "get", "/api/v1/catalogue")
    assert response.status_code == 200
    by_slug = {item["slug"]: item for item in response.json()["items"]}
    card = by_slug["lost-card"]
    assert card["automated"] is True
    assert card["fields"] == [
        {
            "key": "last_four",
            "label": "Last four digits",
            "type": "short_text",
            "required": True,
            "help_text": "",
            "min": None,
            "max": None,
            "pattern": r"\d{4}",
            "choices": None,
        }
    ]
    assert "extra-seats" in by_slug
    assert "extra-seats" not in {
        i["slug"] for i in api(amy, "get", "/api/v1/catalogue").json()["items"]
    }
    assert api(ada, "get", "/api/v1/catalogue").json() == {"count": 0, "items": []}
    assert api(None, "get", "/api/v1/catalogue").status_code == 401


def test_submit_with_idempotency_key(
    items, alice, alice_card, api, django_capture_on_commit_callbacks
):
    body = {"item": "lost-card", "data": {"last_four": "4242"}}
    with django_capture_on_commit_callbacks(execute=True):
        first = api(alice, "post", "/api/v1/requests", body, **{"Idempotency-Key": "api-key-0001"})
    assert first.status_code == 201, first.json()
    again = api(alice, "post", "/api/v1/requests", body, **{"Idempotency-Key": "api-key-0001"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert ServiceRequest.objects.count() == 1
    detail = api(alice, "get", f"/api/v1/requests/{first.json()['id']}").json()
    assert detail["status"] == "fulfilled"
    assert [e["status"] for e in detail["events"]][-1] == "fulfilled"
    assert ServiceRequest.objects.get().channel == "api"


def test_bad_input_is_json_4xx(items, alice, bob, alice_card, api):
    post = lambda body, **h: api(alice, "post", "/api/v1/requests", body, **h)  # noqa: E731
    response = post({"item": "lost-card", "data": {"last_four": "12"}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "data.last_four"
    response = post({"item": "lost-card", "data": {"last_four": "4242", "is_staff": True}})
    assert response.status_code == 422
    assert "Unknown field: is_staff" in response.json()["detail"]
    response = post({"item": "lost-card", "data": {"last_four": ["4", "2"]}})
    assert response.status_code == 422
    assert post({"item": "nope", "data": {}}).status_code == 404
    assert (
        post({"item": "extra-seats", "data": {}}, **{"Idempotency-Key": "short"}).status_code == 422
    )
    assert post({"item": "lost-card", "data": {}, "status": "fulfilled"}).status_code == 422
    assert (
        post(
            {"item": "lost-card", "data": {"last_four": "4242"}}, **{"Idempotency-Key": "k" * 65}
        ).status_code
        == 422
    )
    assert (
        api(bob, "post", "/api/v1/requests", {"item": "extra-seats", "data": {}}).status_code == 404
    )
    assert ServiceRequest.objects.count() == 0
    alice_card.refresh_from_db()
    assert alice_card.status == PaymentCard.Status.ACTIVE


def test_key_reused_for_another_item_is_409(items, alice, alice_card, api):
    api(
        alice,
        "post",
        "/api/v1/requests",
        {"item": "lost-card", "data": {"last_four": "4242"}},
        **{"Idempotency-Key": "api-key-0002"},
    )
    response = api(
        alice,
        "post",
        "/api/v1/requests",
        {"item": "new-line", "data": {"address": "x", "urgent": True}},
        **{"Idempotency-Key": "api-key-0002"},
    )
    assert response.status_code == 409


def test_requests_are_private(items, alice, amy, bob, ada, submit, api):
    request = submit(amy, items["manual"], {"address": "x", "urgent": "no"}, run=False)
    path = f"/api/v1/requests/{request.pk}"
    assert api(amy, "get", path).status_code == 200
    assert api(alice, "get", path).status_code == 200
    assert api(ada, "get", path).status_code == 200
    assert api(bob, "get", path).status_code == 404
    assert api(bob, "get", "/api/v1/requests").json()["count"] == 0
    assert api(ada, "post", "/api/v1/requests", {"item": "new-line", "data": {}}).status_code == 403
