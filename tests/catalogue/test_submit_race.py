"""Concurrent submissions (DESIGN.md: anything that sends or grants is idempotent).

On PostgreSQL the submissions run in real threads, each on its own connection, released
together by a barrier: the unique (customer, idempotency key) row decides, and the card's
row lock lets only one request block a card. SQLite serialises writers, so there the same
calls run one after the other (a weaker check, but the test never skips)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from catalogue.models import (
    CatalogueCategory,
    CatalogueItem,
    FormField,
    PaymentCard,
    ServiceRequest,
)
from catalogue.services import RequestInvalid, request_submit
from tests.conftest import make_customer, make_user

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 4


def _setup():
    user = make_user("race@example.com", full_name="Race Customer")
    make_customer(user, ref="C-RACE")
    category = CatalogueCategory.objects.create(name="Cards", slug="cards")
    item = CatalogueItem.objects.create(
        name="Lost card",
        slug="lost-card",
        short_description="Block it",
        category=category,
        fulfilment="card_block",
    )
    FormField.objects.create(item=item, key="last_four", label="Last four", pattern=r"\d{4}")
    card = PaymentCard.objects.create(customer=user.customer, last_four="4242")
    return user, item, card


def _submit(user, item, key, barrier, outcomes):
    try:
        barrier.wait(timeout=10)
        request, created = request_submit(
            item=item, submitted_by=user, data={"last_four": "4242"}, idempotency_key=key
        )
        outcomes.append(("created" if created else "replayed", request.pk))
    except RequestInvalid as exc:
        outcomes.append(("invalid", str(exc.errors)))
    except Exception as exc:  # surfaced by the assertions below
        outcomes.append(("error", repr(exc)))
    finally:
        connections.close_all()


def _race(user, item, keys) -> list[tuple[str, object]]:
    outcomes: list[tuple[str, object]] = []
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(len(keys))
        threads = [
            threading.Thread(target=_submit, args=(user, item, key, barrier, outcomes))
            for key in keys
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        for key in keys:
            _submit(user, item, key, threading.Barrier(1), outcomes)
    return outcomes


def test_double_submit_with_one_key_makes_one_request():
    user, item, card = _setup()
    outcomes = _race(user, item, ["same-tab-key-1"] * THREADS)
    assert [o for o in outcomes if o[0] == "error"] == []
    assert len(outcomes) == THREADS
    assert [kind for kind, _ in outcomes].count("created") == 1
    assert len({pk for _, pk in outcomes}) == 1, "everyone gets the same request"
    assert ServiceRequest.objects.count() == 1
    card.refresh_from_db()
    assert card.status == PaymentCard.Status.BLOCKED


def test_two_requests_cannot_block_one_card_twice():
    user, item, card = _setup()
    outcomes = _race(user, item, [f"tab-{n}-key-xx" for n in range(THREADS)])
    assert [o for o in outcomes if o[0] == "error"] == []
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("created") == 1
    assert kinds.count("invalid") == THREADS - 1
    assert ServiceRequest.objects.count() == 1, "the losers left nothing behind"
    card.refresh_from_db()
    assert card.blocked_by_request_id == ServiceRequest.objects.get().pk
