"""/api/v1/kb/: list, search, detail and suggestions, all respecting the audience."""

from __future__ import annotations

import pytest

from portal.models import ApiToken


def titles(response) -> set[str]:
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {item["title"] for item in items}


def test_list_respects_audience(corpus, client_for, alice, ada):
    anonymous = client_for(None).get("/api/v1/kb/articles")
    assert anonymous.status_code == 200
    assert titles(anonymous) == {"Lost or stolen card", "Router keeps restarting"}
    assert "Card PIN reset" in titles(client_for(alice).get("/api/v1/kb/articles"))
    assert "Escalation playbook for card fraud" not in titles(
        client_for(alice).get("/api/v1/kb/articles")
    )
    assert "Escalation playbook for card fraud" in titles(
        client_for(ada).get("/api/v1/kb/articles")
    )


def test_search_and_filters(corpus, client):
    response = client.get("/api/v1/kb/articles?q=firmware")
    assert titles(response) == {"Router keeps restarting"}
    assert response.json()["count"] == 1
    assert titles(client.get("/api/v1/kb/articles?q=card&product=home-fibre")) == set()
    assert titles(client.get(f"/api/v1/kb/articles?category={corpus['net'].pk}")) == {
        "Router keeps restarting"
    }


def test_search_corrects_typos_when_nothing_matches(corpus, client):
    body = client.get("/api/v1/kb/articles?q=routr").json()
    assert body["corrected"] == "router"
    assert [item["title"] for item in body["items"]] == ["Router keeps restarting"]
    assert client.get("/api/v1/kb/articles?q=firmware").json()["corrected"] == ""


def test_detail(corpus, client_for, alice):
    lost = corpus["lost"]
    body = client_for(None).get(f"/api/v1/kb/articles/{lost.pk}").json()
    assert body["title"] == "Lost or stolen card"
    assert body["tags"] == ["card", "security"] and body["products"] == ["debit-card"]
    assert "Blocking is instant" in body["body_html"]
    assert body["url"].endswith("/kb/cards-and-payments/lost-or-stolen-card/")
    assert client_for(alice).get(f"/api/v1/kb/articles/{corpus['internal'].pk}").status_code == 404
    assert client_for(None).get(f"/api/v1/kb/articles/{corpus['pin'].pk}").status_code == 404
    assert client_for(None).get("/api/v1/kb/articles/999999").status_code == 404


def test_suggest(corpus, client_for, alice):
    response = client_for(alice).get("/api/v1/kb/suggest", {"text": "my card was stolen"})
    assert response.status_code == 200
    items = response.json()
    assert items[0]["title"] == "Lost or stolen card"
    assert items[0]["url"].endswith("?via=suggest")
    fraud = client_for(alice).get("/api/v1/kb/suggest", {"text": "fraud escalation playbook"})
    assert "Escalation playbook for card fraud" not in titles(fraud)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/kb/suggest?text=" + "x" * 6000,
        "/api/v1/kb/suggest?text=card&limit=0",
        "/api/v1/kb/articles?limit=1000",
        "/api/v1/kb/articles?offset=-1",
        "/api/v1/kb/articles?category=abc",
        "/api/v1/kb/articles/abc",
    ],
)
def test_bad_input_is_4xx(corpus, client, path):
    assert 400 <= client.get(path).status_code < 500


def test_integration_token_sees_public_only(corpus, client, root):
    from portal.services.tokens import api_token_create

    _token, secret = api_token_create(kind=ApiToken.Kind.INTEGRATION, name="bot", user=root)
    response = client.get("/api/v1/kb/articles", headers={"Authorization": f"Bearer {secret}"})
    assert titles(response) == {"Lost or stolen card", "Router keeps restarting"}


def test_bad_token_is_401(corpus, client):
    response = client.get("/api/v1/kb/articles", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
