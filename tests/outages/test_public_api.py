"""Public API: GET /api/v1/status, /api/v1/incidents, /api/v1/incidents/{id}."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import ApiToken
from portal.services.tokens import api_token_create
from tests.outages.conftest import days_ago, make_incident


def bearer(user) -> dict:
    _token, raw = api_token_create(name="t", kind=ApiToken.Kind.PERSONAL, user=user)
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def incidents(subscribed, fibre_svc, mobile_svc):
    return {
        "open": make_incident(
            [fibre_svc], impact="partial", starts_at=days_ago(0.05), updates=("Crew on site.",)
        ),
        "draft": make_incident([mobile_svc], impact="major", title="Draft", publish=False),
        "past": make_incident(
            [mobile_svc],
            impact="degraded",
            title="Last week",
            starts_at=days_ago(7),
            ends_at=days_ago(7) + timedelta(hours=2),
            resolve=True,
        ),
        "old": make_incident(
            [mobile_svc],
            title="Long ago",
            starts_at=days_ago(200),
            ends_at=days_ago(199),
            resolve=True,
        ),
        "scheduled": make_incident(
            [mobile_svc],
            impact="maintenance",
            title="Upgrade",
            starts_at=timezone.now() + timedelta(days=3),
        ),
    }


def test_status_lists_every_service_with_its_state(client, incidents):
    response = client.get("/api/v1/status")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=30"
    body = response.json()
    assert body["state"] == "partial"
    services = {s["slug"]: s for s in body["services"]}
    assert services["fibre-broadband"]["state"] == "partial"
    assert services["fibre-broadband"]["state_label"] == "Partial outage"
    assert services["fibre-broadband"]["open_incidents"] == [incidents["open"].pk]
    assert services["mobile-plan"]["state"] == "operational"  # the draft is not public
    assert 0 < services["fibre-broadband"]["uptime_90d"] < 100
    assert services["mobile-plan"]["uptime_90d"] == 100.0


def test_agents_see_drafts_in_the_status(client, incidents, ada):
    body = client.get("/api/v1/status", headers=bearer(ada)).json()
    services = {s["slug"]: s for s in body["services"]}
    assert services["mobile-plan"]["state"] == "major"


def test_incidents_open_scheduled_and_recent(client, incidents):
    response = client.get("/api/v1/incidents")
    assert response.status_code == 200
    body = response.json()
    titles = [item["title"] for item in body["items"]]
    assert set(titles) == {"Fibre outage in the north", "Last week", "Upgrade"}
    assert body["count"] == 3
    item = next(i for i in body["items"] if i["id"] == incidents["open"].pk)
    assert item["impact"] == "partial" and item["status"] == "identified"
    assert item["services"] == ["fibre-broadband"] and item["published"] is True
    assert item["scheduled"] is False
    upgrade = next(i for i in body["items"] if i["title"] == "Upgrade")
    assert upgrade["scheduled"] is True and upgrade["impact"] == "maintenance"
    assert item["url"].endswith(f"/status/incidents/{incidents['open'].pk}/")
    assert [u["message"] for u in item["updates"]] == ["Crew on site.", "We are looking into it."]


def test_incident_detail_and_404s(client, incidents, alice, ada):
    ok = client.get(f"/api/v1/incidents/{incidents['past'].pk}")
    assert ok.status_code == 200
    assert ok.json()["status"] == "resolved" and ok.json()["ends_at"] is not None
    draft = f"/api/v1/incidents/{incidents['draft'].pk}"
    assert client.get(draft).status_code == 404
    assert client.get(draft, headers=bearer(alice)).status_code == 404
    as_agent = client.get(draft, headers=bearer(ada))
    assert as_agent.status_code == 200 and as_agent.json()["published"] is False
    assert as_agent["Cache-Control"] == "private"
    assert client.get("/api/v1/incidents/0").status_code == 404
    assert client.get("/api/v1/incidents/99999999999999999999").status_code == 404
    assert client.get("/api/v1/incidents/abc").status_code == 422


def test_a_bad_token_is_refused_not_ignored(client, incidents):
    response = client.get("/api/v1/status", headers={"Authorization": "Bearer hdp_nope"})
    assert response.status_code == 401


def test_query_count_is_constant(client, subscribed, fibre_svc, django_assert_max_num_queries):
    for n in range(10):
        make_incident([fibre_svc], title=f"n{n}", starts_at=days_ago(n + 1), updates=("u",))
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/incidents").status_code == 200
    with django_assert_max_num_queries(4):  # services, incidents, their services, updates
        assert client.get("/api/v1/status").status_code == 200
