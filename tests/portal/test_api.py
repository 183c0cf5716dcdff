"""The REST API at /api/v1/: the contract other systems rely on.

Every operation: happy path, one row per persona in the access matrix, bad input of every kind
(4xx JSON with a ``detail``, nothing written), idempotency, token states and CSRF.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.crypto import get_random_string

from portal.models import ApiToken, Customer, Interaction, InteractionKind, Product, Purchase
from portal.services.tokens import api_token_create, api_token_revoke

ME = "/api/v1/me"
PURCHASES = "/api/v1/purchases"
INTERACTIONS = "/api/v1/interactions"


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def personal_token(user) -> str:
    return api_token_create(name="laptop", kind=ApiToken.Kind.PERSONAL, user=user)[1]


@pytest.fixture
def integration(root) -> str:
    """The plaintext of an integration token (the shop's)."""
    return api_token_create(name="Shop", kind=ApiToken.Kind.INTEGRATION, user=root)[1]


def post(client, path: str, body, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers)


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


def purchase(order_ref: str = "O-1", **overrides) -> dict:
    item = {
        "customer_ref": "C-ALICE",
        "ordered_at": "2026-11-20T10:30:00+00:00",
        "amount": "19.90",
        "order_ref": order_ref,
    }
    item.update(overrides)
    return item


def interaction(**overrides) -> dict:
    body = {"customer_ref": "C-ALICE", "kind": "call", "channel": "phone"}
    body.update(overrides)
    return body


# --- /me ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_me_anonymous_is_401(client):
    response = client.get(ME)
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_session(client_for, alice):
    response = client_for(alice).get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "alice@example.com"
    assert body["role"] == "customer"
    assert body["customer"]["customer_ref"] == "C-ALICE"
    assert body["customer"]["organisation"] == "Acme"
    assert body["customer"]["is_org_admin"] is True


def test_me_personal_token_acts_as_its_owner(client, bob):
    response = client.get(ME, **bearer(personal_token(bob)))
    assert response.status_code == 200
    assert response.json()["email"] == "bob@example.com"
    assert response.json()["customer"]["organisation"] == "Globex"


def test_me_agent_without_customer_record(client, ada):
    response = client.get(ME, **bearer(personal_token(ada)))
    assert response.status_code == 200
    assert response.json()["role"] == "agent"
    assert response.json()["customer"] is None


def test_me_integration_token_is_403(client, integration):
    body = assert_error(client.get(ME, **bearer(integration)), 403)
    assert "integration" in body["detail"].lower()


def test_me_revoked_token_is_401(client, carol):
    token, raw = api_token_create(name="old", kind=ApiToken.Kind.PERSONAL, user=carol)
    assert client.get(ME, **bearer(raw)).status_code == 200
    api_token_revoke(token=token)
    assert_error(client.get(ME, **bearer(raw)), 401)


def test_me_expired_token_is_401(client, carol):
    token, raw = api_token_create(
        name="short", kind=ApiToken.Kind.PERSONAL, user=carol,
        expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    assert client.get(ME, **bearer(raw)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client.get(ME, **bearer(raw)), 401)


def test_me_token_of_deactivated_user_is_401(client, carol):
    raw = personal_token(carol)
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    assert_error(client.get(ME, **bearer(raw)), 401)


@pytest.mark.parametrize("header", ["Bearer hdp_not-a-real-token", "Bearer ", "Bearer x" * 100])
def test_me_bad_bearer_token_is_401_even_with_a_session(client_for, alice, header):
    """A rejected token never falls back to the session cookie."""
    body = assert_error(client_for(alice).get(ME, HTTP_AUTHORIZATION=header), 401)
    assert "token" in body["detail"].lower()


# --- POST /purchases: happy path and idempotency ----------------------------------------------


def test_purchases_import_by_integration_token(client, integration, alice):
    Product.objects.create(name="Fibre 1G", slug="fibre-1g")
    body = {
        "source": "shop",
        "purchases": [
            purchase("O-1", product="fibre-1g"),
            purchase("O-2", customer_ref="C-NEW", amount=-5, currency="usd", product="Fibre 1G"),
            purchase("O-3", ordered_at="2026-11-21", amount=12.5),
        ],
    }
    response = post(client, PURCHASES, body, **bearer(integration))
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 3, "duplicates": 0, "customers_created": 1}

    rows = {p.order_ref: p for p in Purchase.objects.select_related("customer", "product")}
    assert set(rows) == {"O-1", "O-2", "O-3"}
    assert {p.source for p in rows.values()} == {"shop"}
    assert rows["O-1"].customer.user == alice
    assert rows["O-1"].product.slug == "fibre-1g"
    assert rows["O-2"].amount == Decimal("-5.00")
    assert rows["O-2"].currency == "USD"
    assert rows["O-2"].product.slug == "fibre-1g"
    assert rows["O-2"].customer.customer_ref == "C-NEW"
    assert rows["O-3"].amount == Decimal("12.50")
    assert rows["O-3"].ordered_at.date().isoformat() == "2026-11-21"
    logged = Interaction.objects.filter(kind=InteractionKind.PURCHASE)
    assert logged.count() == 3
    assert set(logged.values_list("channel", flat=True)) == {"api"}


def test_purchases_repost_is_idempotent(client, integration, alice):
    body = {"purchases": [purchase("O-1"), purchase("O-2", customer_ref="C-NEW")]}
    first = post(client, PURCHASES, body, **bearer(integration))
    assert first.json() == {"created": 2, "duplicates": 0, "customers_created": 1}
    again = post(client, PURCHASES, body, **bearer(integration))
    assert again.status_code == 201
    assert again.json() == {"created": 0, "duplicates": 2, "customers_created": 0}
    assert Purchase.objects.count() == 2
    assert Purchase.objects.filter(source="api").count() == 2  # the default source
    assert Interaction.objects.filter(kind=InteractionKind.PURCHASE).count() == 2


def test_purchases_same_order_ref_twice_in_one_body_counts_once(client, integration, alice):
    body = {"purchases": [purchase("O-1"), purchase("O-1", amount="99.00")]}
    response = post(client, PURCHASES, body, **bearer(integration))
    assert response.status_code == 201
    assert response.json() == {"created": 1, "duplicates": 1, "customers_created": 0}
    assert Purchase.objects.get().amount == Decimal("19.90")
    again = post(client, PURCHASES, body, **bearer(integration))
    assert again.json() == {"created": 0, "duplicates": 2, "customers_created": 0}


def test_purchases_order_ref_is_unique_per_source(client, integration, alice):
    post(
        client, PURCHASES, {"source": "shop", "purchases": [purchase("O-1")]}, **bearer(integration)
    )
    response = post(
        client, PURCHASES, {"source": "pos", "purchases": [purchase("O-1")]}, **bearer(integration)
    )
    assert response.json()["created"] == 1
    assert Purchase.objects.count() == 2


# --- POST /purchases: who may ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "amy", "bob", "carol", "ada", "mo"])
def test_purchases_forbidden_by_session(client_for, request, alice, persona):
    user = request.getfixturevalue(persona)
    body = assert_error(post(client_for(user), PURCHASES, {"purchases": [purchase()]}), 403)
    assert "admin" in body["detail"]
    assert not Purchase.objects.exists()


@pytest.mark.parametrize("persona", ["alice", "ada", "mo"])
def test_purchases_forbidden_by_personal_token(client, request, alice, persona):
    raw = personal_token(request.getfixturevalue(persona))
    assert_error(post(client, PURCHASES, {"purchases": [purchase()]}, **bearer(raw)), 403)
    assert not Purchase.objects.exists()


def test_purchases_forbidden_before_the_body_is_read(client_for, alice):
    """A caller without permission gets 403, not a lesson in the input rules."""
    assert_error(post(client_for(alice), PURCHASES, "{not json"), 403)
    assert_error(post(client_for(alice), PURCHASES, {"purchases": []}), 403)


@pytest.mark.django_db
def test_purchases_anonymous_is_401(client):
    assert_error(post(client, PURCHASES, {"purchases": [purchase()]}), 401)
    assert not Purchase.objects.exists()


def test_purchases_allowed_for_admin_session(client_for, root, alice):
    response = post(client_for(root), PURCHASES, {"purchases": [purchase()]})
    assert response.status_code == 201
    assert Purchase.objects.get().customer.customer_ref == "C-ALICE"


def test_purchases_allowed_for_admin_personal_token(client, root, alice):
    raw = personal_token(root)
    response = post(client, PURCHASES, {"purchases": [purchase()]}, **bearer(raw))
    assert response.status_code == 201


def test_purchases_revoked_integration_token_is_401(client, root, alice):
    token, raw = api_token_create(name="Shop", kind=ApiToken.Kind.INTEGRATION, user=root)
    api_token_revoke(token=token)
    assert_error(post(client, PURCHASES, {"purchases": [purchase()]}, **bearer(raw)), 401)
    assert not Purchase.objects.exists()


def test_purchases_expired_integration_token_is_401(client, integration, alice):
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert_error(post(client, PURCHASES, {"purchases": [purchase()]}, **bearer(integration)), 401)
    assert not Purchase.objects.exists()


# --- POST /purchases: CSRF --------------------------------------------------------------------


def _csrf_client(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    secret = get_random_string(32)
    client.cookies["csrftoken"] = secret
    return client, secret


def test_purchases_session_post_without_csrf_token_is_403(root, alice):
    client, _secret = _csrf_client(root)
    body = assert_error(post(client, PURCHASES, {"purchases": [purchase()]}), 403)
    assert "CSRF" in body["detail"]
    assert not Purchase.objects.exists()


def test_purchases_session_post_with_csrf_token(root, alice):
    client, secret = _csrf_client(root)
    response = post(client, PURCHASES, {"purchases": [purchase()]}, HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 201
    assert Purchase.objects.count() == 1


def test_purchases_token_needs_no_csrf(integration, alice):
    client = Client(enforce_csrf_checks=True)
    response = post(client, PURCHASES, {"purchases": [purchase()]}, **bearer(integration))
    assert response.status_code == 201


# --- POST /purchases: bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ({"amount": "abc"}, "not a number"),
        ({"amount": "1.234"}, "two decimals"),
        ({"amount": "1e30"}, "too large"),
        ({"amount": ""}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": None}, "amount"),
        ({"ordered_at": "yesterday"}, "ordered_at"),
        ({"ordered_at": "2026-02-30"}, "ordered_at"),
        ({"ordered_at": 20261124}, "ordered_at"),
        ({"ordered_at": "0001-01-01T00:00:00+05:00"}, "1970"),
        ({"currency": "EURO"}, "currency"),
        ({"product": "no-such-product"}, "product"),
        ({"order_ref": ""}, "order_ref"),
        ({"order_ref": "   "}, "order_ref"),
        ({"order_ref": "x" * 101}, "order_ref"),
        ({"order_ref": None}, "order_ref"),
        ({"customer_ref": ""}, "customer_ref"),
        ({"customer_ref": "C" * 65}, "customer_ref"),
        ({"customer_ref": 42}, "customer_ref"),
        ({"surprise": "field"}, "surprise"),
    ],
)
def test_purchases_invalid_item_writes_nothing(client, integration, alice, bad, words):
    customers = Customer.objects.count()
    items = [purchase("O-1"), {**purchase("O-2", customer_ref="C-NEW"), **bad}, purchase("O-3")]
    body = assert_error(post(client, PURCHASES, {"purchases": items}, **bearer(integration)), 422)
    assert body["errors"]
    assert {error["index"] for error in body["errors"]} == {1}
    assert words in body["errors"][0]["message"]
    assert not Purchase.objects.exists()
    assert not Interaction.objects.exists()
    assert Customer.objects.count() == customers


def test_purchases_missing_order_ref(client, integration, alice):
    item = purchase()
    del item["order_ref"]
    body = assert_error(post(client, PURCHASES, {"purchases": [item]}, **bearer(integration)), 422)
    assert body["errors"][0]["index"] == 0
    assert "order_ref" in body["errors"][0]["message"]


def test_purchases_every_invalid_item_is_reported(client, integration, alice):
    items = [purchase("O-1", amount="x"), purchase("O-2"), purchase("O-3", ordered_at="never")]
    body = assert_error(post(client, PURCHASES, {"purchases": items}, **bearer(integration)), 422)
    assert [error["index"] for error in body["errors"]] == [0, 2]
    assert "2 of 3" in body["detail"]
    assert not Purchase.objects.exists()


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{not json", 400),
        (b"\xff\xfe", 400),
        ("", 422),
        ("null", 422),
        ("[]", 422),
        ('"purchases"', 422),
        ('{"purchases": []}', 422),
        ('{"purchases": {}}', 422),
        ('{"purchases": [1, 2]}', 422),
        ('{"purchases": [{"customer_ref": "C-ALICE"}]}', 422),
        ('{"source": "not a slug!", "purchases": [{}]}', 422),
        ('{"source": "' + "s" * 33 + '", "purchases": [{}]}', 422),
        ('{"source": 7, "purchases": [{}]}', 422),
        ('{"purchases": [{"customer_ref": "C\\u0000"}]}', 400),
        ('{"purchases": NaN}', 400),
        ("[" * 100_000, 400),
    ],
)
def test_purchases_malformed_body(client, integration, raw, status):
    assert_error(post(client, PURCHASES, raw, **bearer(integration)), status)
    assert not Purchase.objects.exists()


def test_purchases_form_encoded_body_is_400(client, integration):
    response = client.post(PURCHASES, {"purchases": "x"}, **bearer(integration))
    assert_error(response, 400)


def test_purchases_at_most_1000_items(client, integration, alice):
    items = [purchase(f"O-{n}") for n in range(1001)]
    body = assert_error(post(client, PURCHASES, {"purchases": items}, **bearer(integration)), 422)
    assert "1000" in body["detail"]
    assert len(body["errors"]) <= 50
    assert not Purchase.objects.exists()


def test_purchases_1000_items_is_fine(client, integration, alice):
    items = [purchase(f"O-{n}") for n in range(1000)]
    response = post(client, PURCHASES, {"purchases": items}, **bearer(integration))
    assert response.status_code == 201
    assert response.json()["created"] == 1000


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_purchases_huge_body_is_413(client, integration, alice):
    items = [purchase(f"O-{n}") for n in range(50)]
    assert_error(post(client, PURCHASES, {"purchases": items}, **bearer(integration)), 413)
    assert not Purchase.objects.exists()


def test_purchases_wrong_method(client, integration):
    response = client.get(PURCHASES, **bearer(integration))
    assert_error(response, 405)
    assert response["Allow"] == "POST"


# --- POST /interactions -------------------------------------------------------------------------


def test_interaction_by_integration_token(client, integration, alice):
    when = (timezone.now() - timedelta(hours=2)).replace(microsecond=0)
    body = interaction(
        occurred_at=when.isoformat(), value=12.5, metadata={"duration_s": 310, "queue": "billing"}
    )
    response = post(client, INTERACTIONS, body, **bearer(integration))
    assert response.status_code == 201, response.content
    out = response.json()
    saved = Interaction.objects.get()
    assert out["id"] == saved.pk
    assert out["kind"] == "call"
    assert out["channel"] == "phone"
    assert out["customer_ref"] == "C-ALICE"
    assert out["value"] == 12.5
    assert saved.customer.user == alice
    assert saved.user is None
    assert saved.occurred_at == when
    assert saved.value == Decimal("12.5")
    assert saved.metadata == {"duration_s": 310, "queue": "billing"}


def test_interaction_defaults_to_now(client, integration, alice):
    before = timezone.now()
    response = post(
        client, INTERACTIONS, interaction(kind="chat", channel="chat"), **bearer(integration)
    )
    assert response.status_code == 201
    saved = Interaction.objects.get()
    assert saved.occurred_at >= before
    assert saved.value is None
    assert response.json()["value"] is None


@pytest.mark.parametrize("persona", ["ada", "root"])
def test_interaction_by_staff_records_who_acted(client_for, request, alice, persona):
    user = request.getfixturevalue(persona)
    response = post(client_for(user), INTERACTIONS, interaction(channel="shop", kind="other"))
    assert response.status_code == 201
    saved = Interaction.objects.get()
    assert saved.user == user
    assert saved.customer.customer_ref == "C-ALICE"


def test_interaction_by_agent_personal_token(client, ada, bob):
    raw = personal_token(ada)
    response = post(client, INTERACTIONS, interaction(customer_ref="C-BOB"), **bearer(raw))
    assert response.status_code == 201
    assert Interaction.objects.get().user == ada


@pytest.mark.parametrize("persona", ["alice", "amy", "bob", "carol", "mo"])
def test_interaction_forbidden_for_customers_and_moderators(client_for, request, alice, persona):
    client = client_for(request.getfixturevalue(persona))
    before = Interaction.objects.count()  # signing in is logged
    body = assert_error(post(client, INTERACTIONS, interaction()), 403)
    assert "agents" in body["detail"]
    assert Interaction.objects.count() == before


def test_interaction_forbidden_by_customer_personal_token(client, alice):
    assert_error(post(client, INTERACTIONS, interaction(), **bearer(personal_token(alice))), 403)
    assert not Interaction.objects.exists()


@pytest.mark.django_db
def test_interaction_anonymous_is_401(client):
    assert_error(post(client, INTERACTIONS, interaction()), 401)


def test_interaction_revoked_token_is_401(client, root, alice):
    token, raw = api_token_create(name="CC", kind=ApiToken.Kind.INTEGRATION, user=root)
    api_token_revoke(token=token)
    assert_error(post(client, INTERACTIONS, interaction(), **bearer(raw)), 401)
    assert not Interaction.objects.exists()


def test_interaction_session_post_needs_csrf(ada, alice):
    client, secret = _csrf_client(ada)
    assert_error(post(client, INTERACTIONS, interaction()), 403)
    assert not Interaction.objects.exists()
    response = post(client, INTERACTIONS, interaction(), HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 201


def test_interaction_unknown_customer_is_422(client, integration, alice):
    body = assert_error(
        post(client, INTERACTIONS, interaction(customer_ref="C-NOBODY"), **bearer(integration)),
        422,
    )
    assert "C-NOBODY" in body["detail"]
    assert not Interaction.objects.exists()
    assert not Customer.objects.filter(customer_ref="C-NOBODY").exists()


def test_interaction_external_id_makes_retries_idempotent(client, integration, alice, bob):
    body = interaction(external_id="call-77", value=3)
    first = post(client, INTERACTIONS, body, **bearer(integration))
    assert first.status_code == 201
    retry = post(client, INTERACTIONS, body, **bearer(integration))
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert Interaction.objects.count() == 1
    assert Interaction.objects.get().metadata == {"external_id": "call-77"}
    # the same id for another customer is another interaction
    other = post(client, INTERACTIONS, {**body, "customer_ref": "C-BOB"}, **bearer(integration))
    assert other.status_code == 201
    assert Interaction.objects.count() == 2


def test_interaction_without_external_id_is_not_deduplicated(client, integration, alice):
    for _ in range(2):
        assert post(client, INTERACTIONS, interaction(), **bearer(integration)).status_code == 201
    assert Interaction.objects.count() == 2


@override_settings(TIME_ZONE="Europe/Rome")
def test_interaction_naive_time_is_in_the_default_time_zone(client, integration, alice):
    response = post(
        client, INTERACTIONS, interaction(occurred_at="2026-01-10T10:00:00"), **bearer(integration)
    )
    assert response.status_code == 201
    assert Interaction.objects.get().occurred_at.isoformat() == "2026-01-10T09:00:00+00:00"


def test_interaction_a_little_clock_skew_is_fine(client, integration, alice):
    soon = (timezone.now() + timedelta(minutes=2)).isoformat()
    response = post(client, INTERACTIONS, interaction(occurred_at=soon), **bearer(integration))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ({"kind": "bogus"}, "kind"),
        ({"kind": None}, "kind"),
        ({"channel": "fax"}, "channel"),
        ({"customer_ref": ""}, "customer_ref"),
        ({"customer_ref": 7}, "customer_ref"),
        ({"occurred_at": "not a date"}, "occurred_at"),
        ({"occurred_at": "FUTURE"}, "future"),
        ({"occurred_at": "0001-01-01T00:00:00+05:00"}, "1970"),
        ({"value": "abc"}, "value"),
        ({"value": 1e12}, "value"),
        ({"value": 0.00001}, "value"),
        ({"metadata": ["a", "list"]}, "metadata"),
        ({"metadata": {f"k{n}": n for n in range(21)}}, "20 keys"),
        ({"metadata": {f"k{n}": n for n in range(20)}, "external_id": "e-1"}, "20 keys"),
        ({"metadata": {"notes": "x" * 5000}}, "bytes"),
        ({"metadata": {"external_id": "sneaky"}}, "external_id"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "e" * 101}, "external_id"),
        ({"external_id": 5}, "external_id"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_interaction_bad_input_writes_nothing(client, integration, alice, bad, words):
    if bad.get("occurred_at") == "FUTURE":
        bad = {"occurred_at": (timezone.now() + timedelta(minutes=10)).isoformat()}
    response = post(client, INTERACTIONS, interaction(**bad), **bearer(integration))
    body = assert_error(response, 422)
    assert words in body["detail"]
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        "{oops",
        "",
        "[]",
        '{"customer_ref": "C-ALICE", "kind": "call", "channel": "phone", "value": NaN}',
        '{"customer_ref": "C-ALICE", "kind": "call", "channel": "phone", '
        '"metadata": {"x": Infinity}}',
        '{"customer_ref": "C-ALICE\\u0000", "kind": "call", "channel": "phone"}',
        '{"customer_ref": "C-ALICE", "kind": "call", "channel": "phone", '
        '"metadata": {"note\\u0000": 1}}',
    ],
)
def test_interaction_malformed_body(client, integration, alice, raw):
    response = post(client, INTERACTIONS, raw, **bearer(integration))
    assert response.status_code in {400, 422}
    assert_error(response, response.status_code)
    assert not Interaction.objects.exists()


# --- schema and docs --------------------------------------------------------------------------


@pytest.mark.django_db
def test_openapi_schema_lists_the_operations(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/me", "/api/v1/purchases", "/api/v1/interactions"} <= set(schema["paths"])
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}


@pytest.mark.django_db
def test_docs_work_offline_with_the_relaxed_policy(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui.css" in html
    assert "cdn." not in html
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" in policy
    assert "cdn" not in policy
    for asset in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        assert client.get(f"/static/ninja/{asset}").status_code == 200


@pytest.mark.django_db
def test_other_pages_keep_the_strict_policy(client):
    response = client.get("/api/v1/openapi.json")
    assert "'unsafe-inline'" not in response.get("Content-Security-Policy", "")
