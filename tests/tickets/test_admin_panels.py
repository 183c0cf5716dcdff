"""The desk's panels on the Wagtail dashboard (issue 18, item 11): open tickets by status and
queue, the SLA today; for people with desk rights only (the dashboard itself is for admins and
editors), in a bounded number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import User
from tests.conftest import PASSWORD
from tickets.admin_panels import OpenTicketsPanel, SlaPanel
from tickets.models import SlaBreach, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db) -> User:
    user = User.objects.create_user(email="ed@example.com", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def panel_html(html: str, panel_id: str) -> str:
    start = html.index(f'id="{panel_id}')
    return html[start : start + 6000]


def test_agent_sees_open_tickets_by_status_and_queue(client, root, alice, bob, open_ticket, queues):
    open_ticket(alice, subject="One")
    open_ticket(alice, subject="Two", queue=queues["network"])
    third = open_ticket(bob, subject="Three", queue=queues["network"])
    Ticket.objects.filter(pk=third.pk).update(status=Status.WAITING_CUSTOMER)
    done = open_ticket(bob, subject="Done")
    Ticket.objects.filter(pk=done.pk).update(status=Status.CLOSED)

    html = panel_html(dashboard(client, root), "support-open-tickets")
    assert "Open tickets" in html
    assert 'href="/desk/?status=new"' in html
    assert 'href="/desk/?status=waiting_customer"' in html
    assert f'href="/desk/?queue={queues["network"].pk}"' in html
    assert '<span class="support-panel__label">Network</span>' in html
    assert "By status" in html and "By queue" in html
    assert 'href="/desk/"' in html, "links to the whole queue"
    rows = {row.label: row.value for row in OpenTicketsPanel(None).rows()}
    assert rows["New"] == 2 and rows["Waiting on customer"] == 1
    assert rows["Network"] == 2
    assert "Closed" not in rows


def test_sla_panel_counts_breaches_today_and_tickets_at_risk(client, root, alice, open_ticket):
    now = timezone.now()
    late = open_ticket(alice, subject="Late")
    Ticket.objects.filter(pk=late.pk).update(sla_breached=True, sla_due_at=now - timedelta(hours=1))
    SlaBreach.objects.create(ticket=late, kind=SlaBreach.Kind.values[0], due_at=now)
    risky = open_ticket(alice, subject="Risky")
    Ticket.objects.filter(pk=risky.pk).update(
        sla_breached=False,
        sla_paused_at=None,
        sla_warn_at=now - timedelta(minutes=5),
        sla_due_at=now + timedelta(minutes=30),
    )
    rows = {row.label: row for row in SlaPanel(None).rows()}
    assert rows["Breached today"].value == 1
    assert rows["Breached today"].url == "/desk/?sla=breached"
    assert rows["At risk now"].value == 1 and rows["At risk now"].url == "/desk/?sla=at_risk"
    html = panel_html(dashboard(client, root), "support-sla")
    assert "SLA today" in html and 'href="/desk/?sla=at_risk"' in html


def test_editors_without_desk_rights_see_no_desk_panels(client, editor, alice, open_ticket):
    open_ticket(alice)
    html = dashboard(client, editor)
    assert 'id="support-open-tickets' not in html
    assert 'id="support-sla' not in html


def test_panels_read_in_a_fixed_number_of_queries(
    alice, bob, open_ticket, queues, django_assert_max_num_queries
):
    open_ticket(alice, queue=queues["general"])
    with CaptureQueriesContext(connection) as few:
        OpenTicketsPanel(None).rows(), SlaPanel(None).rows()
    for n in range(12):
        open_ticket(bob if n % 2 else alice, queue=queues["network" if n % 3 else "general"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        OpenTicketsPanel(None).rows(), SlaPanel(None).rows()
    assert len(few.captured_queries) <= 4


def test_dashboard_queries_do_not_grow_with_tickets(
    client, root, alice, bob, open_ticket, queues, django_assert_max_num_queries
):
    open_ticket(alice, queue=queues["general"])
    client.force_login(root)
    client.get("/admin/")  # warm caches (content types, site)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/admin/").status_code == 200
    for n in range(15):
        open_ticket(bob if n % 2 else alice, queue=queues["network" if n % 3 else "general"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/admin/").status_code == 200
