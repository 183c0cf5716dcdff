"""/api/v1/tickets: the same rules as the pages, JSON errors for bad input."""

from __future__ import annotations

import pytest

from portal.models import ApiToken, Subscription
from portal.services.tokens import api_token_create
from tickets.models import Priority, Status, Ticket
from tickets.services import ticket_merge, ticket_note, ticket_reply

BASE = "/api/v1/tickets"


@pytest.fixture
def api(client):
    """``api(user)``: a function ``call(method, path, json=None)`` with the user's token."""

    def for_user(user, kind=ApiToken.Kind.PERSONAL):
        _token, raw = api_token_create(name="test", kind=kind, user=user)
        headers = {"Authorization": f"Bearer {raw}"}

        def call(method: str, path: str, json=None):
            method = method.lower()
            if method == "get":
                return getattr(client, method)(path, headers=headers)
            return getattr(client, method)(
                path, data=json or {}, content_type="application/json", headers=headers
            )

        return call

    return for_user


def numbers(response) -> set[str]:
    return {item["number"] for item in response.json()["items"]}


def test_customers_list_their_own_and_shared_tickets(api, alice, amy, bob, open_ticket):
    mine, colleague, other = open_ticket(alice), open_ticket(amy), open_ticket(bob)
    response = api(alice)("get", BASE)
    assert response.status_code == 200
    assert numbers(response) == {mine.number, colleague.number}
    assert response.json()["count"] == 2
    assert numbers(api(bob)("get", BASE)) == {other.number}
    assert api(alice)("get", f"{BASE}?status=closed").json()["count"] == 0
    assert api(alice)("get", f"{BASE}?assignee=me").status_code == 403  # agents' filter


def test_agents_list_the_queue_with_filters(api, alice, ada, bob, open_ticket):
    urgent = open_ticket(alice, impact="all")
    open_ticket(bob)
    everything = api(ada)("get", BASE).json()
    assert everything["count"] == 2
    assert everything["items"][0]["number"] == urgent.number  # priority first
    assert numbers(api(ada)("get", f"{BASE}?priority=high")) == {urgent.number}
    assert api(ada)("get", f"{BASE}?assignee=me").json()["count"] == 0
    assert api(ada)("get", f"{BASE}?queue=nope").status_code == 422
    assert api(ada)("get", f"{BASE}?limit=500").status_code == 422
    assert api(ada)("get", f"{BASE}?sla=sideways").status_code == 422


def test_open_a_ticket(api, alice, fibre):
    Subscription.objects.create(customer=alice.customer, product=fibre, since="2026-01-01T00:00Z")
    response = api(alice)(
        "post",
        BASE,
        {
            "subject": "No signal",
            "description": "Since **this morning**",
            "product": "fibre-1000",
            "impact": "all",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["priority"] == "high" and body["product"] == "fibre-1000"
    assert body["messages"][0]["body_html"] == "<p>Since <strong>this morning</strong></p>"
    assert Ticket.objects.get().channel == "api"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"subject": "x", "description": "y", "priority": "urgent"}, 422),  # staff-only field
        ({"subject": "x", "description": "y", "assignee_id": 1}, 422),
        ({"subject": "", "description": "y"}, 422),
        ({"subject": "x", "description": "   "}, 422),
        ({"subject": "x" * 201, "description": "y"}, 422),
        ({"subject": "x", "description": "y", "category": "rant"}, 422),
        ({"subject": "x", "description": "y", "product": "someone-elses"}, 422),
        ({"description": "y"}, 422),
    ],
)
def test_bad_tickets_are_refused_and_nothing_written(api, alice, payload, status):
    response = api(alice)("post", BASE, payload)
    assert response.status_code == status
    assert "detail" in response.json()
    assert not Ticket.objects.exists()


def test_only_customers_open(api, ada, mo):
    payload = {"subject": "x", "description": "y"}
    assert api(ada)("post", BASE, payload).status_code == 403
    assert api(mo)("post", BASE, payload).status_code == 403


def test_integration_tokens_and_anonymous(api, client, root, alice, open_ticket):
    open_ticket(alice)
    assert api(root, ApiToken.Kind.INTEGRATION)("get", BASE).status_code == 403
    assert client.get(BASE).status_code == 401


def test_get_hides_notes_from_customers_and_other_organisations(
    api, alice, amy, bob, ada, open_ticket
):
    ticket = open_ticket(alice)
    ticket_note(ticket=ticket, author=ada, body="secret")
    ticket_reply(ticket=ticket, author=ada, body="public")
    customer_view = api(amy)("get", f"{BASE}/{ticket.pk}").json()
    assert [m["body"] for m in customer_view["messages"]] == ["It drops every evening.", "public"]
    agent_view = api(ada)("get", f"{BASE}/{ticket.pk}").json()
    assert [m["internal"] for m in agent_view["messages"]] == [False, True, False]
    assert api(bob)("get", f"{BASE}/{ticket.pk}").status_code == 404
    assert api(alice)("get", f"{BASE}/999999").status_code == 404


def test_replies_and_notes(api, alice, bob, ada, open_ticket):
    ticket = open_ticket(alice)
    assert api(alice)("post", f"{BASE}/{ticket.pk}/replies", {"body": "more"}).status_code == 201
    refused = api(alice)("post", f"{BASE}/{ticket.pk}/replies", {"body": "x", "internal": True})
    assert refused.status_code == 403
    refused = api(alice)(
        "post", f"{BASE}/{ticket.pk}/replies", {"body": "x", "status_after": "resolved"}
    )
    assert refused.status_code == 403
    assert api(bob)("post", f"{BASE}/{ticket.pk}/replies", {"body": "x"}).status_code == 404
    note = api(ada)("post", f"{BASE}/{ticket.pk}/replies", {"body": "psst", "internal": True})
    assert note.json()["internal"] is True
    done = api(ada)(
        "post", f"{BASE}/{ticket.pk}/replies", {"body": "fixed", "status_after": "resolved"}
    )
    assert done.status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert api(ada)("post", f"{BASE}/{ticket.pk}/replies", {"body": ""}).status_code == 422


def test_reply_to_a_merged_ticket_is_a_clear_error(api, alice, ada, open_ticket):
    first, second = open_ticket(alice), open_ticket(alice)
    ticket_merge(source=second, target=first, actor=ada)
    response = api(alice)("post", f"{BASE}/{second.pk}/replies", {"body": "hello"})
    assert response.status_code == 422
    assert "merged" in response.json()["detail"]


def test_claim(api, alice, ada, root, open_ticket):
    ticket = open_ticket(alice)
    assert api(alice)("post", f"{BASE}/{ticket.pk}/claim").status_code == 403
    response = api(ada)("post", f"{BASE}/{ticket.pk}/claim")
    assert response.status_code == 200 and response.json()["assignee"] == "Ada Agent"
    conflict = api(root)("post", f"{BASE}/{ticket.pk}/claim")
    assert conflict.status_code == 409
    assert "already claimed" in conflict.json()["detail"]


def test_agents_update_and_assign(api, alice, ada, root, queues, open_ticket):
    ticket = open_ticket(alice)
    response = api(ada)(
        "patch",
        f"{BASE}/{ticket.pk}",
        {
            "status": "waiting_customer",
            "priority": "urgent",
            "assignee_id": root.pk,
            "queue": "network",
            "tags": ["vip", "router"],
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["priority"], body["assignee"]) == (
        "waiting_customer",
        "urgent",
        "Root Admin",
    )
    assert body["queue"] == "network" and body["tags"] == ["router", "vip"]
    assert (
        api(ada)("patch", f"{BASE}/{ticket.pk}", {"assignee_id": None}).json()["assignee"] is None
    )


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"status": "new"}, 422),  # waiting -> new is not a transition
        ({"assignee_id": 0}, 422),
        ({"queue": "nowhere"}, 422),
        ({"priority": "cosmic"}, 422),
        ({"tags": ["!!!"]}, 422),
        ({"subject": "renamed"}, 422),  # not a field of this operation
    ],
)
def test_bad_updates_change_nothing(api, alice, ada, open_ticket, payload, status):
    ticket = open_ticket(alice)
    api(ada)("patch", f"{BASE}/{ticket.pk}", {"status": "waiting_customer", "priority": "low"})
    response = api(ada)("patch", f"{BASE}/{ticket.pk}", {"priority": "high", **payload})
    assert response.status_code == status
    ticket.refresh_from_db()
    assert ticket.priority == Priority.LOW
    assert ticket.status == Status.WAITING_CUSTOMER


def test_customers_cannot_update(api, alice, open_ticket):
    ticket = open_ticket(alice)
    assert api(alice)("patch", f"{BASE}/{ticket.pk}", {"priority": "urgent"}).status_code == 403
