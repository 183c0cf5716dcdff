"""The outage banner on every page: only for signed-in customers affected by an open,
published incident; one cheap query at most, then cached per user."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from outages import services
from tests.outages.conftest import make_incident

BANNER = "This affects a service you use."


def banner_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "outages_incident" in q["sql"]]


def test_affected_customer_sees_the_banner_on_every_page(client_for, subscribed, fibre_svc, alice):
    incident = make_incident([fibre_svc], title="Fibre down in the north")
    client = client_for(alice)
    for path in ("/", "/me/", "/tickets/", "/status/"):
        html = client.get(path).content.decode()
        assert BANNER in html, path
        assert "Fibre down in the north" in html
        assert f'href="/status/incidents/{incident.pk}/"' in html
    own_page = client.get(f"/status/incidents/{incident.pk}/").content.decode()
    assert BANNER not in own_page and "You are affected by this incident." in own_page


def test_not_affected_no_banner(client_for, subscribed, fibre_svc, amy, bob, ada):
    make_incident([fibre_svc])
    for user in (amy, bob, ada, None):
        assert BANNER not in client_for(user).get("/").content.decode()


def test_unpublished_or_resolved_incidents_show_no_banner(client_for, subscribed, fibre_svc, alice):
    draft = make_incident([fibre_svc], publish=False)
    client = client_for(alice)
    assert BANNER not in client.get("/").content.decode()
    services.incident_publish(incident=draft)  # the cached banner is dropped
    assert BANNER in client.get("/").content.decode()
    services.incident_resolve(incident=draft, message="Fixed")
    assert BANNER not in client.get("/").content.decode()


def test_one_query_then_cached(client_for, subscribed, fibre_svc, alice, amy):
    make_incident([fibre_svc])
    for user in (alice, amy):  # with and without a banner
        client = client_for(user)
        with CaptureQueriesContext(connection) as first:
            client.get("/me/")
        assert len(banner_queries(first)) == 1
        with CaptureQueriesContext(connection) as second:
            client.get("/me/")
        assert banner_queries(second) == []


def test_anonymous_pages_run_no_banner_query(client, subscribed, fibre_svc):
    make_incident([fibre_svc])
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert banner_queries(queries) == []
