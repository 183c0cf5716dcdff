"""Publishing, updating and resolving an incident make the cached pages fresh at once: the
anonymous status body (per language), the visitor page cache (``portal.pagecache``) holding
/status/ and the incident pages, and every user's cached banner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from outages import services
from outages.selectors import status_cache_key
from tests.outages.conftest import make_incident

BANNER = "This affects a service you use."


@pytest.fixture
def page_cache(settings):
    """The visitor page cache, off under tests, switched on as in production."""
    settings.PORTAL_VISITOR_CACHE = True


def _status(client) -> str:
    response = client.get("/status/")
    assert response.status_code == 200
    return response.content.decode()


def test_published_incident_shows_at_once_to_anonymous_visitors(client, page_cache, fibre_svc):
    draft = make_incident([fibre_svc], title="Fibre down in the north", publish=False)
    assert "Fibre down in the north" not in _status(client)
    assert client.get("/status/")["X-Page-Cache"] == "hit"  # cached, as under load

    services.incident_publish(incident=draft)

    response = client.get("/status/")
    assert response["X-Page-Cache"] == "miss"
    html = response.content.decode()
    assert "Fibre down in the north" in html and "Some services are partly down" in html


def test_updates_and_resolution_show_at_once(client, page_cache, fibre_svc):
    incident = make_incident([fibre_svc], title="Fibre down in the north")
    page = f"/status/incidents/{incident.pk}/"
    assert "Fibre down in the north" in _status(client)
    assert client.get(page).status_code == 200
    assert client.get(page)["X-Page-Cache"] == "hit"

    services.incident_update_post(
        incident=incident, status="identified", message="A digger cut a cable."
    )
    assert "A digger cut a cable." in _status(client)
    assert "A digger cut a cable." in client.get(page).content.decode()

    services.incident_resolve(incident=incident, message="The cable is repaired.")
    html = _status(client)
    assert "All services are operating normally" in html
    assert "Incidents in progress" not in html
    assert "The cable is repaired." in client.get(page).content.decode()


def test_every_language_is_dropped(client, fibre_svc):
    client.get("/status/")
    client.get("/it/status/")
    assert cache.get(status_cache_key("en")) and cache.get(status_cache_key("it"))
    make_incident([fibre_svc])
    assert cache.get(status_cache_key("en")) is None
    assert cache.get(status_cache_key("it")) is None


def test_scheduled_maintenance_shows_at_once(client, page_cache, fibre_svc):
    _status(client)
    soon = timezone.now() + timedelta(days=3)
    make_incident(
        [fibre_svc],
        impact="maintenance",
        title="Core router upgrade",
        starts_at=soon,
        ends_at=soon + timedelta(hours=2),
    )
    html = _status(client)
    assert "Scheduled maintenance" in html and "Core router upgrade" in html


def test_drafts_leave_the_caches_alone(client, page_cache, fibre_svc):
    _status(client)
    draft = make_incident([fibre_svc], publish=False)
    services.incident_update_post(incident=draft, status="identified", message="Still a draft")
    assert client.get("/status/")["X-Page-Cache"] == "hit"


def test_banner_appears_and_goes_at_once(client_for, subscribed, fibre_svc, alice):
    client = client_for(alice)
    draft = make_incident([fibre_svc], publish=False)
    assert BANNER not in client.get("/").content.decode()  # cached: no banner
    services.incident_publish(incident=draft)
    assert BANNER in client.get("/").content.decode()
    services.incident_resolve(incident=draft, message="Fixed.")
    assert BANNER not in client.get("/").content.decode()


def test_caches_are_dropped_again_after_commit(
    client, page_cache, fibre_svc, django_capture_on_commit_callbacks
):
    """A visitor served between the publication's own clearing and its commit would have
    cached the page as it was before: the clearing is repeated once the commit is done."""
    draft = make_incident([fibre_svc], publish=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.incident_publish(incident=draft)
        _status(client)  # cached while the publication is still in flight
        assert client.get("/status/")["X-Page-Cache"] == "hit"
    clearing = [c for c in callbacks if getattr(c, "__name__", "") == "status_caches_clear"]
    assert len(clearing) == 1
    clearing[0]()
    assert client.get("/status/")["X-Page-Cache"] == "miss"
