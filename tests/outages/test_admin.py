"""Incidents in the Wagtail admin: the read-only menu linking to the desk, and the incident
report with its CSV export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from outages import services
from outages.models import IncidentTicket
from outages.reports import incident_rows
from portal.models import NotificationDelivery
from tickets.services import ticket_open

from .desk_fixtures import *  # noqa: F403 - the fixtures
from .desk_fixtures import declare


@pytest.fixture
def reported(subscribed, alice, amy, ada, django_capture_on_commit_callbacks):
    incident = declare(subscribed, offer_kind="credit", offer_amount=Decimal("7.50"))
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=incident)
        services.incident_update_post(incident=incident, status="identified", message="Found")
    services.compensation_grant(incident=incident, customer=alice.customer, claimed=True)
    services.compensation_grant(incident=incident, customer=amy.customer)
    NotificationDelivery.objects.filter(recipient=amy, channel="email").update(status="failed")
    ticket = ticket_open(
        customer=alice.customer, subject="Down", body="Help", opened_by=alice, product=subscribed
    )
    IncidentTicket.objects.create(incident=incident, ticket=ticket, customer=alice.customer)
    declare(subscribed, title="Draft, not reported")
    return incident


def test_incident_menu_lists_incidents_linking_to_the_desk(reported, root, ada, client_for):
    html = client_for(root).get("/admin/incidents/").content.decode()
    assert reported.title in html
    assert f'href="/desk/incidents/{reported.pk}/"' in html
    assert client_for(ada).get("/admin/incidents/").status_code == 302  # agents use the desk
    inspect = client_for(root).get(f"/admin/incidents/inspect/{reported.pk}/")
    assert inspect.status_code == 200 and "Fibre 1000" in inspect.content.decode()
    assert client_for(root).get("/admin/incidents/new/").status_code == 404  # read-only


def test_customers_are_bounced_from_the_admin(reported, alice, client_for):
    assert client_for(alice).get("/admin/incidents/").status_code == 302
    assert client_for(alice).get("/admin/reports/incidents/").status_code == 302


def test_report_rows(reported):
    (row,) = incident_rows()
    assert (row.pk, row.affected, row.notices_web, row.emails_sent, row.emails_failed) == (
        reported.pk,
        2,
        4,  # two customers, two updates
        2,
        2,
    )
    assert (row.granted, row.claimed, row.cost) == (2, 1, Decimal("15.00"))
    assert (row.linked_tickets, row.proactive_tickets) == (1, 0)


def test_report_page_and_csv(reported, root, ada, client_for):
    client = client_for(root)
    page = client.get("/admin/reports/incidents/")
    assert page.status_code == 200 and reported.title in page.content.decode()
    assert "Draft, not reported" not in page.content.decode()
    export = client.get("/admin/reports/incidents/?export=csv")
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["id", "Incident", "Impact"]
    assert rows[1][0] == str(reported.pk) and rows[1][6] == "2"
    assert client_for(ada).get("/admin/reports/incidents/").status_code in (302, 403)


def test_report_queries_do_not_grow_with_incidents(
    reported, subscribed, root, django_assert_max_num_queries
):
    for n in range(5):
        services.incident_publish(incident=declare(subscribed, title=f"Another {n}"))
    with django_assert_max_num_queries(6):
        assert len(incident_rows()) == 6
