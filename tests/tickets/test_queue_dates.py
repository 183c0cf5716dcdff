"""The desk queue's rows say when in the portal's one date style (issue 18, item 6): due "in 3
hours" / "tomorrow at 09:00" / "2 hours overdue" (never "0 minutes"), updated "just now", with
the exact moment on hover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone, translation

from tickets.models import Ticket
from tickets.views.desk_queue import queue_row

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 6, 14, 5, tzinfo=UTC)


def _row(due: timedelta, updated: timedelta):
    ticket = Ticket(sla_due_at=NOW + due, updated_at=NOW - updated, status="open")
    with timezone.override("UTC"), translation.override("en"):
        return queue_row(ticket, NOW)


@pytest.mark.parametrize(
    ("due", "text"),
    [
        (timedelta(hours=3), "due in 3 hours"),
        (timedelta(hours=19), "due tomorrow at 09:05"),
        (timedelta(days=3), "due 9 Dec 2026, 14:05"),
        (-timedelta(seconds=10), "1 minute overdue"),
        (-timedelta(hours=2, minutes=5), "2 hours overdue"),
    ],
)
def test_due_texts(due, text):
    assert _row(due, timedelta(0)).due == text


@pytest.mark.parametrize(
    ("updated", "text"),
    [(timedelta(seconds=5), "just now"), (timedelta(minutes=12), "12 minutes ago")],
)
def test_updated_texts(updated, text):
    assert _row(timedelta(hours=3), updated).updated == text


def test_the_queue_shows_the_exact_time_on_hover(alice, ada, client_for):
    from tickets.services import ticket_open

    ticket = ticket_open(customer=alice.customer, opened_by=alice, subject="Hover", body="x")
    html = client_for(ada).get("/desk/").content.decode()
    assert f'<time datetime="{ticket.updated_at.isoformat()}" title="' in html
    assert ">just now</time>" in html
    assert "0 minutes" not in html
