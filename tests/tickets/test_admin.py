"""The Support desk menu in the Wagtail admin, and the agent performance report."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tickets.models import BusinessCalendar, Queue, SlaPolicy
from tickets.reports import performance_rows
from tickets.services import ticket_claim, ticket_reply

PAGES = [
    "/admin/support/sla-policies/",
    "/admin/support/sla-policies/new/",
    "/admin/support/calendars/",
    "/admin/support/calendars/new/",
    "/admin/support/holidays/",
    "/admin/support/queues/",
    "/admin/support/queues/new/",
    "/admin/support/canned-replies/",
    "/admin/support/canned-replies/new/",
    "/admin/support/tags/",
    "/admin/reports/agents/",
]


@pytest.mark.parametrize("path", PAGES)
def test_admins_manage_the_desk_setup(client_for, root, policies, queues, path):
    response = client_for(root).get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", PAGES[:3])
def test_agents_and_customers_are_bounced(client_for, ada, alice, path):
    assert client_for(ada).get(path).status_code == 302
    assert client_for(alice).get(path).status_code == 302


def test_admin_creates_a_policy_and_a_calendar(client_for, root):
    client = client_for(root)
    response = client.post(
        "/admin/support/calendars/new/",
        {
            "name": "Night shift",
            "timezone": "Europe/London",
            "monday": "on",
            "day_start": "00:00",
            "day_end": "00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar = BusinessCalendar.objects.get(name="Night shift")
    response = client.post(
        "/admin/support/sla-policies/new/",
        {
            "name": "Urgent",
            "priority": "4",
            "calendar": calendar.pk,
            "first_response_minutes": "30",
            "resolution_minutes": "240",
            "at_risk_percent": "80",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert SlaPolicy.objects.get(name="Urgent").calendar == calendar


def test_bad_calendar_input_is_a_form_error(client_for, root):
    response = client_for(root).post(
        "/admin/support/calendars/new/",
        {"name": "Broken", "timezone": "Mars/Olympus", "day_start": "17:00", "day_end": "09:00"},
    )
    assert response.status_code == 200  # the form again, with errors
    assert not BusinessCalendar.objects.filter(name="Broken").exists()


def test_agent_performance_report_and_csv(client_for, root, ada, alice, policies, open_ticket):
    ticket = open_ticket(alice)
    ticket_claim(ticket=ticket, agent=ada)
    ticket_reply(ticket=ticket, author=ada, body="Done", status_after="resolved")
    rows = {row.name: row for row in performance_rows(now=timezone.now())}
    assert rows["Ada Agent"].resolved == 1
    assert rows["Ada Agent"].replies == 1
    assert rows["Ada Agent"].sla_compliance == "100%"
    assert rows["Support"].resolved == 1  # ada's team
    response = client_for(root).get("/admin/reports/agents/?export=csv&days=7")
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("Agent or team,Row,Resolved")
    assert "Ada Agent,Agent,1,1" in body


def test_queue_admin_lists_queues(client_for, root, queues):
    html = client_for(root).get("/admin/support/queues/").content.decode()
    assert all(queue.name in html for queue in Queue.objects.all())
