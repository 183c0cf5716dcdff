"""Loyalty test set-up shared by helpers F and G."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from loyalty import receivers
from loyalty.services import earning


@pytest.fixture(autouse=True)
def _earning_listener_state():
    """The listener skips interactions this process has already processed (a bulk insert
    sends one signal per row). Ids are reused after a test's rollback, so each test starts
    from nothing."""
    earning.processed_up_to = receivers._requested_at = 0
    yield
    earning.processed_up_to = receivers._requested_at = 0


@pytest.fixture(autouse=True)
def _programme_defaults(request):
    """The default tiers and earn rules (data migration 0003). A transactional test (a race
    test) flushes every table when it ends, migration data included: put them back."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if marker is None and "db" not in names and "transactional_db" not in names:
        return  # no database in this test
    transactional = "transactional_db" in names or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    importlib.import_module("loyalty.migrations.0003_defaults").create(apps, None)
