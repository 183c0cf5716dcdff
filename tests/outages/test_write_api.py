"""Write operations of the outages API: declare, post updates, publish (agents and
integration tokens; customers get 403; bad input a JSON 422 with nothing written)."""

from __future__ import annotations

import pytest
from django.core import mail

from outages.models import CompensationOffer, Incident, IncidentAudience, IncidentTicket
from portal.models import ApiToken
from portal.services.tokens import api_token_create
from tickets.services import ticket_open

from .desk_fixtures import *  # noqa: F403 - the fixtures
from .desk_fixtures import declare

BASE = "/api/v1/incidents"


@pytest.fixture
def api(client):
    """``api(user, kind)`` -> ``call(path, json)``: a POST with the user's bearer token."""

    def for_user(user, kind=ApiToken.Kind.PERSONAL):
        headers = {}
        if user is not None:
            raw = api_token_create(name="monitoring", kind=kind, user=user)[1]
            headers = {"Authorization": f"Bearer {raw}"}

        def call(path: str, json=None):
            return client.post(
                path, data=json or {}, content_type="application/json", headers=headers
            )

        return call

    return for_user


def body(subscribed, **changes) -> dict:
    return {
        "title": "Fibre down in the north",
        "services": [subscribed.slug],
        "impact": "major",
        "message": "We are looking into it.",
        "region": "north",
        **changes,
    }


def test_monitoring_declares_and_publishes_with_an_integration_token(
    subscribed, root, alice, amy, api, django_capture_on_commit_callbacks
):
    call = api(root, ApiToken.Kind.INTEGRATION)
    with django_capture_on_commit_callbacks(execute=True):
        response = call(
            BASE,
            body(
                subscribed,
                publish=True,
                starts_at="2026-05-02T10:00:00Z",
                offer={"kind": "credit", "amount": "5.00", "automatic": True},
            ),
        )
    assert response.status_code == 201, response.content
    data = response.json()
    incident = Incident.objects.get(pk=data["id"])
    assert data["published"] is True and data["services"] == [subscribed.slug]
    assert incident.created_by is None and incident.published_at is not None
    assert IncidentAudience.objects.filter(incident=incident).count() == 2
    assert CompensationOffer.objects.get(incident=incident).automatic
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "amy@example.com"]


def test_agent_posts_updates_and_publishes(
    subscribed, ada, alice, api, django_capture_on_commit_callbacks
):
    incident = declare(subscribed)
    ticket = ticket_open(
        customer=alice.customer, subject="Down", body="Help", opened_by=alice, product=subscribed
    )
    IncidentTicket.objects.create(incident=incident, ticket=ticket, customer=alice.customer)
    call = api(ada)
    response = call(
        f"{BASE}/{incident.pk}/updates",
        {"status": "identified", "message": "Cable cut.", "reply_linked": True},
    )
    assert response.status_code == 201
    assert [u["message"] for u in response.json()["updates"]][:1] == ["Cable cut."]
    assert ticket.messages.filter(author=ada, body="Cable cut.").exists()
    with django_capture_on_commit_callbacks(execute=True):
        published = call(f"{BASE}/{incident.pk}/publish")
    assert published.status_code == 200
    assert published.json() == {"id": incident.pk, "added": 2, "audience": 2}
    with django_capture_on_commit_callbacks(execute=True):
        again = call(f"{BASE}/{incident.pk}/publish")
    assert again.json()["added"] == 0
    assert len(mail.outbox) == 4  # two updates to two customers, once
    resolved = call(f"{BASE}/{incident.pk}/updates", {"status": "resolved", "message": "Fixed"})
    assert resolved.json()["status"] == "resolved"


@pytest.mark.parametrize("who", ["alice", "mo"])
def test_customers_and_moderators_get_403(subscribed, api, request, who):
    incident = declare(subscribed)
    call = api(request.getfixturevalue(who))
    assert call(BASE, body(subscribed)).status_code == 403
    assert call(f"{BASE}/{incident.pk}/publish").status_code == 403
    updates = call(f"{BASE}/{incident.pk}/updates", {"status": "identified", "message": "x"})
    assert updates.status_code == 403
    assert Incident.objects.count() == 1 and incident.updates.count() == 1


def test_anonymous_gets_401(subscribed, api):
    assert api(None)(BASE, body(subscribed)).status_code == 401
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"services": ["nope"]}, "unknown service nope"),
        ({"services": []}, "services"),
        ({"impact": "apocalypse"}, "impact"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"message": ""}, "message"),
        ({"starts_at": "2026-05-02T10:00:00"}, "include a time zone"),
        (
            {"starts_at": "2026-05-02T10:00:00Z", "ends_at": "2026-05-02T09:00:00Z"},
            "The end must be after the start.",
        ),
        ({"offer": {"kind": "credit", "amount": "0"}}, "amount"),
        ({"offer": {"kind": "gold", "amount": "5"}}, "kind"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_declarations_are_422_and_write_nothing(subscribed, ada, api, changes, detail):
    response = api(ada)(BASE, body(subscribed, **changes))
    assert response.status_code == 422, response.content
    assert detail in response.content.decode()
    assert not Incident.objects.exists()


def test_bad_updates_are_422(subscribed, root, ada, api):
    incident = declare(subscribed)
    call = api(ada)
    for payload, detail in (
        ({"status": "gone", "message": "x"}, "status"),
        ({"status": "identified", "message": ""}, "message"),
        ({"status": "identified"}, "message"),
    ):
        response = call(f"{BASE}/{incident.pk}/updates", payload)
        assert response.status_code == 422 and detail in response.content.decode()
    integration = api(root, ApiToken.Kind.INTEGRATION)
    response = integration(
        f"{BASE}/{incident.pk}/updates",
        {"status": "identified", "message": "x", "reply_linked": True},
    )
    assert response.status_code == 422 and "only agents" in response.json()["detail"]
    call(f"{BASE}/{incident.pk}/updates", {"status": "resolved", "message": "Fixed"})
    late = call(f"{BASE}/{incident.pk}/updates", {"status": "identified", "message": "x"})
    assert late.status_code == 422 and "resolved" in late.json()["detail"]
    assert incident.updates.count() == 2
    assert call(f"{BASE}/999/updates", {"status": "identified", "message": "x"}).status_code == 404
    assert call(f"{BASE}/999/publish").status_code == 404
