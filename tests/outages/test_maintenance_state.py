"""Planned maintenance announced ahead reads "Scheduled" until it starts, then "In progress",
then "Completed" (never "Investigating"): on the incident, its updates, the notices, the
status page, the incident page and the API. Outages keep their workflow status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from outages import demo, services
from outages.models import Incident, IncidentUpdate
from portal.demo.seed import seed_products
from portal.models import Notification, Subscription
from tests.outages.conftest import make_incident


@pytest.fixture
def planned(subscribed, fibre_svc) -> Incident:
    """Maintenance of alice's fibre in three days, announced (published) now."""
    soon = timezone.now() + timedelta(days=3)
    return make_incident(
        [fibre_svc],
        impact="maintenance",
        title="Core router upgrade",
        starts_at=soon,
        ends_at=soon + timedelta(hours=2),
    )


def _started(incident: Incident) -> Incident:
    """Time passes: the window began an hour ago (the whole timeline moves back)."""
    from django.db.models import F

    shift = incident.starts_at - (timezone.now() - timedelta(hours=1))
    Incident.objects.filter(pk=incident.pk).update(
        starts_at=F("starts_at") - shift,
        ends_at=F("ends_at") - shift,
        published_at=F("published_at") - shift,
    )
    IncidentUpdate.objects.filter(incident=incident).update(
        created_at=F("created_at") - shift, published_at=F("published_at") - shift
    )
    incident.refresh_from_db()
    return incident


def test_maintenance_states_over_time(planned):
    start = planned.starts_at
    assert planned.state_at(start - timedelta(minutes=1)) == Incident.State.SCHEDULED
    assert planned.state_at(start) == Incident.State.IN_PROGRESS
    assert (
        planned.state_at(start + timedelta(days=9)) == Incident.State.IN_PROGRESS
    )  # until resolved
    assert str(planned.state_label) == "Scheduled"
    services.incident_resolve(incident=planned, message="Done early.")
    planned.refresh_from_db()
    assert planned.state_at(start - timedelta(minutes=1)) == Incident.State.COMPLETED
    assert str(planned.state_label) == "Completed"


def test_outages_keep_their_status_and_are_scheduled_only_ahead(fibre_svc):
    outage = make_incident([fibre_svc], impact="major", updates=("Cause found.",))
    assert outage.state == "identified" and str(outage.state_label) == "Identified"
    later = make_incident(
        [fibre_svc], impact="partial", starts_at=timezone.now() + timedelta(hours=5)
    )
    assert later.state == Incident.State.SCHEDULED
    assert [str(u.state_label) for u in later.updates.all()] == ["Investigating"]
    services.incident_resolve(incident=outage, message="Fixed.")
    outage.refresh_from_db()
    assert outage.state == "resolved"
    labels = [str(u.state_label) for u in outage.updates.all()]
    assert labels == ["Investigating", "Identified", "Resolved"]


def test_update_states_follow_the_window(planned):
    _started(planned)
    services.incident_update_post(
        incident=planned, status="monitoring", message="Halfway through the upgrade."
    )
    services.incident_resolve(incident=planned, message="All done.")
    labels = [str(u.state_label) for u in planned.updates.all()]
    assert labels == ["Scheduled", "In progress", "Completed"]


def test_status_and_incident_pages_say_scheduled_then_in_progress_then_completed(client, planned):
    page = f"/status/incidents/{planned.pk}/"
    board = client.get("/status/").content.decode()
    assert "Scheduled maintenance" in board and "Core router upgrade" in board
    assert "Investigating" not in board
    html = client.get(page).content.decode()
    assert "Scheduled" in html and "Investigating" not in html

    _started(planned)
    services.incident_update_post(incident=planned, status="identified", message="Under way.")
    board = client.get("/status/").content.decode()
    assert "Incidents in progress" in board and "In progress" in board
    assert "Investigating" not in board and "Identified" not in board
    html = client.get(page).content.decode()
    assert "In progress" in html and "Identified" not in html

    services.incident_resolve(incident=planned, message="All done.")
    html = client.get(page).content.decode()
    assert "Completed" in html and "Resolved" not in html


def test_notice_subject_says_scheduled(planned, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notices_send(incident_id=planned.pk)
    notice = Notification.objects.get(user=alice, kind="outage_notice")
    assert notice.title == "Scheduled: Core router upgrade"
    assert [m.subject for m in mail.outbox] == ["Scheduled: Core router upgrade"]


def test_api_gives_the_state(client, planned):
    item = client.get(f"/api/v1/incidents/{planned.pk}").json()
    assert item["state"] == "scheduled" and item["state_label"] == "Scheduled"
    assert item["status"] == "investigating"  # the workflow status is still there
    assert [u["state"] for u in item["updates"]] == ["scheduled"]


def test_demo_maintenance_reads_scheduled(alice, bob, client):
    products = seed_products()
    since = timezone.now() - timedelta(days=400)
    Subscription.objects.create(
        customer=alice.customer, product=products["cloud-backup"], region="North", since=since
    )
    demo.seed(now=timezone.now())
    maintenance = Incident.objects.get(impact="maintenance")
    assert maintenance.state == Incident.State.SCHEDULED
    html = client.get(f"/status/incidents/{maintenance.pk}/").content.decode()
    assert "Scheduled" in html and "Investigating" not in html
    board = client.get("/status/").content.decode()
    scheduled = board.split('id="scheduled-title"')[1].split('id="services-title"')[0]
    assert maintenance.title in scheduled and "Scheduled</span>" in scheduled
