"""Fuzzing the API from its own schema (issue 19): schemathesis against /api/v1/openapi.json.

In process (the WSGI application, no server), every operation gets generated requests with
two customers' tokens (alice, bob), an agent's (ada) and none: no answer is a 500, every answer
matches what the schema documents for it, and none of alice's tickets or requests is reachable
with bob's token (created as alice through the API, probed as bob: a 404).

Each operation gets input valid by the schema and input the schema rules out (schemathesis'
positive and negative modes). Bounded and repeatable: ``derandomize=True`` (the same examples
in every run), no example database, ``EXAMPLES`` per operation (about 20 s for the whole API).
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from portal.models import ApiToken, Product
from portal.services.tokens import api_token_create

EXAMPLES = 6
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, response_schema_conformance]
# The objects of one customer that another must not reach, and the operations naming them.
PRIVATE = {"ticket_id": "/api/v1/tickets", "request_id": "/api/v1/requests"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits counted by other tests (and by these, for the tests after) start empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, without closing the test's connection after each request (as
    the test client does): the test's transaction stays open around the fuzzed requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(alice, bob, ada) -> dict[str, str | None]:
    raw = {
        user.email.split("@")[0]: api_token_create(
            name="fuzz", kind=ApiToken.Kind.PERSONAL, user=user
        )[1]
        for user in (alice, bob, ada)
    }
    return {**raw, "anonymous": None}


def headers_for(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
def schema(wsgi_app, tokens):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)


@pytest.fixture
def seeded(alice, bob, ada, settings, tmp_path) -> dict[str, int]:
    """A few real objects for generated ids to hit: alice's ticket and service request."""
    from catalogue.models import CatalogueCategory, CatalogueItem
    from community.models import Category

    settings.MEDIA_ROOT = str(tmp_path)
    Product.objects.create(name="Fibre 1000", slug="fibre-1000")
    category = CatalogueCategory.objects.create(name="Account", slug="account")
    item = CatalogueItem(
        name="Change address",
        slug="change-address",
        short_description="Tell us where you moved.",
        category=category,
        fulfilment="manual",
    )
    item.full_clean()
    item.save()
    Category.objects.create(name="Broadband", slug="broadband", order=1)
    return {"item": item.slug}


def _operations(schema):
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append(operation)
    return operations


def _call(case, wsgi_app, token, seen: Counter):
    response = case.call(app=wsgi_app, headers=headers_for(token))
    seen[f"{response.status_code // 100}xx"] += 1
    case.validate_response(response, checks=CHECKS, headers=headers_for(token))
    return response


@pytest.mark.django_db
def test_no_operation_answers_500_or_off_schema(schema, wsgi_app, tokens, seeded):
    operations = _operations(schema)
    assert len(operations) > 30  # the whole API, not a part of it
    personas = st.sampled_from(sorted(tokens))
    seen: Counter = Counter()
    for operation in operations:
        # Valid input by the schema, and input it rules out (which must be refused, not crash).
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @FUZZ
        @given(case=strategy, who=personas)
        def fuzz(case, who):
            _call(case, wsgi_app, tokens[who], seen)

        fuzz()
    # Requests got through to the operations (not all refused at the door).
    assert seen["2xx"] > len(operations) and seen["4xx"] > len(operations), seen


@pytest.mark.django_db
def test_bob_reaches_none_of_alices_objects(schema, wsgi_app, tokens, seeded):
    alice, bob = headers_for(tokens["alice"]), headers_for(tokens["bob"])
    client_kwargs = {"app": wsgi_app}
    created = {}
    ticket = schema["/api/v1/tickets"]["POST"].Case(
        body={"subject": "Router blinks", "description": "Red light since Monday."}
    )
    response = ticket.call(headers=alice, **client_kwargs)
    assert response.status_code == 201, response.text
    created["ticket_id"] = response.json()["id"]
    request = schema["/api/v1/requests"]["POST"].Case(body={"item": seeded["item"], "data": {}})
    response = request.call(headers=alice, **client_kwargs)
    assert response.status_code in (200, 201), response.text
    created["request_id"] = response.json()["id"]
    for name, path in (
        ("ticket_id", "/tickets/{ticket_id}"),
        ("request_id", "/requests/{request_id}"),
    ):
        case = schema[f"/api/v1{path}"]["GET"].Case(path_parameters={name: created[name]})
        assert case.call(headers=alice, **client_kwargs).status_code == 200  # alice's own

    probed = 0
    for operation in _operations(schema):
        names = {parameter.name for parameter in operation.path_parameters}
        private = names & set(PRIVATE)
        if not private:
            continue
        (name,) = private

        _probe_as(bob, operation, name, created[name], wsgi_app)
        probed += 1
    assert probed >= 5

    # In lists neither.
    for path, name in (("/api/v1/tickets", "ticket_id"), ("/api/v1/requests", "request_id")):
        response = schema[path]["GET"].Case().call(headers=bob, **client_kwargs)
        assert response.status_code == 200
        assert created[name] not in [row["id"] for row in _rows(response.json())]


def _probe_as(headers: dict, operation, name: str, object_id: int, wsgi_app) -> None:
    """Generated requests to ``operation`` naming ``object_id``: 404 (or 403 for an agent's
    operation; 422 for a body refused before anything is looked up), never a 2xx."""

    @FUZZ
    @given(case=operation.as_strategy())
    def probe(case):
        case.path_parameters = {**(case.path_parameters or {}), name: object_id}
        response = case.call(headers=headers, app=wsgi_app)
        case.validate_response(response, checks=CHECKS, headers=headers)
        assert response.status_code in (403, 404, 422), (
            f"{case.method} {case.formatted_path} -> {response.status_code}"
        )

    probe()


def _rows(body) -> list[dict]:
    if isinstance(body, list):
        return body
    for key in ("items", "results", "tickets", "requests"):
        if isinstance(body.get(key), list):
            return body[key]
    raise AssertionError(f"no list in {sorted(body)}")
