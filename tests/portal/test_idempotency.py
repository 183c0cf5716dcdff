"""Idempotency keys (portal.services.idempotency, portal.idempotency): one submission per key,
for forms and for the API's ``Idempotency-Key`` header.

The concurrent cases run in real threads on PostgreSQL (each on its own connection, released
together by a barrier); SQLite serialises writers, so there the same calls run one after the
other."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from portal.api import api
from portal.models import ApiToken, IdempotencyKey, Purchase
from portal.services.idempotency import (
    IdempotencyConflict,
    IdempotencyError,
    fingerprint,
    idempotency_claim,
    idempotency_keys_expire,
    key_check,
    once,
)
from portal.services.tokens import api_token_create
from portal.tasks import idempotency_keys_expire_task
from tickets.models import Message, Ticket
from tickets.services import ticket_open

TICKETS = "/api/v1/tickets"
KEY = "retry-0001-abcdef"


# --- the service ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad", ["", "short", "x" * 65, "has space 123", "semi;colon1", "ünïcödé-key", None, 12345678]
)
def test_malformed_keys_are_refused(bad):
    with pytest.raises(IdempotencyError) as refused:
        key_check(bad)
    assert "8 to 64" in refused.value.message
    assert refused.value.status_code == 400


def test_good_keys_pass():
    for key in ("abcdefgh", "a" * 64, "2b1f.9c:ab_cd-ef", "0f" * 16):
        assert key_check(key) == key


def test_once_creates_once_and_replays(db, alice):
    made = []

    def create():
        made.append(1)
        return ticket_open(
            customer=alice.customer, opened_by=alice, subject="Router", body="Blinks red"
        )

    first, created = once(
        scope="test", owner=f"user:{alice.pk}", key=KEY, fingerprint="f1", create=create
    )
    again, created_again = once(
        scope="test", owner=f"user:{alice.pk}", key=KEY, fingerprint="f1", create=create
    )
    assert (created, created_again) == (True, False)
    assert again == first and len(made) == 1
    assert Ticket.objects.count() == 1
    # another owner or another scope with the same key is another submission
    once(scope="test", owner="user:999999", key=KEY, fingerprint="f1", create=create)
    once(scope="other", owner=f"user:{alice.pk}", key=KEY, fingerprint="f1", create=create)
    assert Ticket.objects.count() == 3


def test_the_same_key_with_other_content_is_a_conflict(db, alice):
    def create():
        return ticket_open(customer=alice.customer, opened_by=alice, subject="A", body="B")

    once(scope="test", owner="user:1", key=KEY, fingerprint="f1", create=create)
    with pytest.raises(IdempotencyConflict) as conflict:
        once(scope="test", owner="user:1", key=KEY, fingerprint="f2", create=create)
    assert conflict.value.status_code == 422
    assert Ticket.objects.count() == 1


def test_a_refused_submission_frees_its_key(db, alice):
    def refuse():
        ticket_open(customer=alice.customer, opened_by=alice, subject="A", body="B")
        raise ValueError("refused after writing")

    with pytest.raises(ValueError):
        once(scope="test", owner="user:1", key=KEY, fingerprint="f1", create=refuse)
    assert Ticket.objects.count() == 0  # nothing half-written
    assert not IdempotencyKey.objects.exists()

    def create():
        return ticket_open(customer=alice.customer, opened_by=alice, subject="A", body="B")

    _ticket, created = once(scope="test", owner="user:1", key=KEY, fingerprint="f1", create=create)
    assert created


def test_without_a_key_or_an_owner_nothing_is_remembered(db, alice):
    def create():
        return ticket_open(customer=alice.customer, opened_by=alice, subject="A", body="B")

    once(scope="test", owner="user:1", key="", fingerprint="f", create=create)
    once(scope="test", owner=None, key=KEY, fingerprint="f", create=create)
    once(scope="test", owner="user:1", key="", fingerprint="f", create=create)
    assert Ticket.objects.count() == 3
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_claim_needs_the_callers_transaction():
    with pytest.raises(RuntimeError):
        idempotency_claim(scope="test", owner="user:1", key=KEY, fingerprint="f")
    with transaction.atomic():
        assert not idempotency_claim(scope="t", owner="user:1", key=KEY, fingerprint="f").replay


def test_fingerprints_ignore_key_order():
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_keys_older_than_a_day_are_deleted_by_the_periodic_pass(db):
    now = timezone.now()
    for n, age in enumerate((timedelta(hours=25), timedelta(days=3), timedelta(hours=23))):
        IdempotencyKey.objects.create(
            scope="t", owner="user:1", key=f"key-{n:05d}", fingerprint="f", created_at=now - age
        )
    assert idempotency_keys_expire(now=now) == 2
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["key-00002"]
    IdempotencyKey.objects.update(created_at=now - timedelta(days=2))
    assert idempotency_keys_expire_task.call() == {"deleted": 1}
    assert not IdempotencyKey.objects.exists()


def test_the_expiry_is_one_of_the_periodic_passes():
    from portal.management.commands.tick import periodic_tasks

    assert "portal.tasks.idempotency_keys_expire_task" in periodic_tasks()


# --- the API header ------------------------------------------------------------------------
def _headers(user, kind=ApiToken.Kind.PERSONAL, **extra) -> dict:
    _token, raw = api_token_create(name="test", kind=kind, user=user)
    return {"Authorization": f"Bearer {raw}", **extra}


def _post(client, path, body, headers):
    return client.post(path, data=body, content_type="application/json", headers=headers)


NEW_TICKET = {"subject": "No dial tone", "description": "Since this morning."}


def test_a_retried_api_create_returns_the_first_answer(db, client, alice):
    headers = _headers(alice, **{"Idempotency-Key": KEY})
    first = _post(client, TICKETS, NEW_TICKET, headers)
    again = _post(client, TICKETS, NEW_TICKET, headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Ticket.objects.count() == 1
    # the same key with another body is refused, not answered with the first ticket
    other = _post(client, TICKETS, {**NEW_TICKET, "subject": "Other"}, headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    # ... and so is the same key on another operation
    path = f"{TICKETS}/{first.json()['id']}/replies"
    assert _post(client, path, {"body": "More"}, headers).status_code == 422
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1


def test_without_the_header_every_call_creates(db, client, alice):
    headers = _headers(alice)
    _post(client, TICKETS, NEW_TICKET, headers)
    _post(client, TICKETS, NEW_TICKET, headers)
    assert Ticket.objects.count() == 2


def test_the_key_is_the_callers_own(db, client, alice, bob):
    for user in (alice, bob):
        assert _post(client, TICKETS, NEW_TICKET, _headers(user, **{"Idempotency-Key": KEY}))
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize("bad", ["short", "k" * 65, "bad key with spaces", "sémi-colón;1"])
def test_a_malformed_header_is_a_clear_400(db, client, alice, bad):
    response = _post(client, TICKETS, NEW_TICKET, _headers(alice, **{"Idempotency-Key": bad}))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "8 to 64" in response.json()["detail"]
    assert Ticket.objects.count() == 0


def test_a_refused_call_is_not_remembered(db, client, alice):
    headers = _headers(alice, **{"Idempotency-Key": KEY})
    refused = _post(client, TICKETS, {**NEW_TICKET, "product": "nothing-of-mine"}, headers)
    assert refused.status_code == 422
    assert not IdempotencyKey.objects.exists()
    # corrected, the same key goes through
    assert _post(client, TICKETS, NEW_TICKET, headers).status_code == 201


def test_integration_tokens_have_keys_too(db, client, root):
    headers = _headers(root, kind=ApiToken.Kind.INTEGRATION, **{"Idempotency-Key": KEY})
    body = {
        "source": "shop",
        "purchases": [
            {
                "customer_ref": "C-NEW-1",
                "ordered_at": "2026-05-01T10:00:00Z",
                "amount": "12.50",
                "order_ref": "O-1",
            }
        ],
    }
    first = _post(client, "/api/v1/purchases", body, headers)
    again = _post(client, "/api/v1/purchases", body, headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() == {"created": 1, "duplicates": 0, "customers_created": 1}
    assert Purchase.objects.count() == 1
    assert IdempotencyKey.objects.get().owner.startswith("token:")


#: POST operations that do not take the header, and why.
NOT_IDEMPOTENT_BY_KEY = {
    # the catalogue's own key (same header) is stored on the request: catalogue.services
    "catalogue_api_request_create",
    # setting a state: repeating it changes nothing
    "community_api_vote",
    "community_api_accept",
    "tickets_api_ticket_claim_api",
    "outages_api_incident_publish_create",
    # a survey is answered once by its token (no login, no owner for a key)
    "insights_api_survey_answer_api",
    # a wallet code is used once per order: the order reference is the key (loyalty.services.codes)
    "loyalty_api_codes_redeem",
}


def test_every_api_create_operation_takes_the_header():
    """A new POST operation must use ``@idempotent`` or say here why it does not."""
    posts = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if "POST" in operation.methods:
                    view = operation.view_func
                    name = f"{view.__module__.replace('.', '_')}_{view.__name__}"
                    posts[name.replace("_api_core_", "_api_")] = getattr(view, "idempotent", False)
    assert posts, "no POST operations found"
    missing = {n for n, ok in posts.items() if not ok} - NOT_IDEMPOTENT_BY_KEY
    assert missing == set()
    assert set(posts) >= NOT_IDEMPOTENT_BY_KEY
    assert get_resolver()  # the API's URLs load


# --- at the same time, on PostgreSQL ------------------------------------------------------
def concurrently(calls) -> list:
    """Run the calls at once in threads on PostgreSQL (one after the other on SQLite)."""
    results: list = [None] * len(calls)
    errors: list[str] = []

    def run(index, call, barrier):
        try:
            if barrier is not None:
                barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # surfaced by the assertion below
            errors.append(repr(exc))
        finally:
            if barrier is not None:
                connections.close_all()

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(len(calls))
        threads = [
            threading.Thread(target=run, args=(i, call, barrier)) for i, call in enumerate(calls)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        for i, call in enumerate(calls):
            run(i, call, None)
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_the_same_api_key_at_once_creates_one_ticket_and_both_answers_agree(alice):
    headers = _headers(alice, **{"Idempotency-Key": KEY})
    calls = [lambda: _post(Client(), TICKETS, NEW_TICKET, headers) for _ in range(4)]
    responses = concurrently(calls)
    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.content for r in responses}) == 1
    assert Ticket.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_the_schema_documents_the_header(db, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    def parameters(path):
        return {p["name"] for p in paths[path]["post"].get("parameters", [])}

    assert "Idempotency-Key" in parameters("/api/v1/tickets")
    assert parameters("/api/v1/tickets/{ticket_id}/replies") == {"ticket_id", "Idempotency-Key"}
    assert "Idempotency-Key" in parameters("/api/v1/community/threads")
    assert "Idempotency-Key" not in parameters("/api/v1/community/posts/{post_id}/vote")
