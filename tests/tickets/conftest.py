"""Ticket fixtures: products, queues, an SLA policy on a Rome office calendar, and helpers.

``open_ticket(user, ...)`` opens a ticket through the service as that customer.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import Product, Team
from tickets.models import BusinessCalendar, Priority, Queue, SlaPolicy
from tickets.services import ticket_open

ROME = zoneinfo.ZoneInfo("Europe/Rome")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()


@pytest.fixture
def fibre(db) -> Product:
    return Product.objects.create(name="Fibre 1000", slug="fibre-1000")


@pytest.fixture
def tv(db) -> Product:
    return Product.objects.create(name="TV Premium", slug="tv-premium")


@pytest.fixture
def support_team(ada) -> Team:
    return Team.objects.get(slug="support")


@pytest.fixture
def queues(support_team, fibre):
    general = Queue.objects.create(
        name="General", slug="general", team=support_team, is_default=True
    )
    network = Queue.objects.create(name="Network", slug="network", team=support_team, position=1)
    network.products.add(fibre)
    return {"general": general, "network": network}


@pytest.fixture
def office(db) -> BusinessCalendar:
    return BusinessCalendar.objects.create(
        name="Rome office", timezone="Europe/Rome", day_start=time(9), day_end=time(17)
    )


@pytest.fixture
def policies(office):
    """4/16 business hours for normal, 1/8 for high and urgent, 8/40 for low."""
    targets = {
        Priority.LOW: (480, 2400),
        Priority.NORMAL: (240, 960),
        Priority.HIGH: (60, 480),
        Priority.URGENT: (60, 240),
    }
    return {
        priority: SlaPolicy.objects.create(
            name=f"{priority.label} tickets",
            priority=priority,
            calendar=office,
            first_response_minutes=first,
            resolution_minutes=resolution,
        )
        for priority, (first, resolution) in targets.items()
    }


@pytest.fixture
def open_ticket(db):
    def make(user, subject="Internet keeps dropping", body="It drops every evening.", **extra):
        return ticket_open(
            customer=user.customer, opened_by=user, subject=subject, body=body, **extra
        )

    return make


def png(name="screen.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)
