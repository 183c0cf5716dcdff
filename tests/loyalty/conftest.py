"""Loyalty test set-up shared by helpers F and G."""

from __future__ import annotations

import pytest

from loyalty.services import earning


@pytest.fixture(autouse=True)
def _earning_listener_state():
    """The listener skips interactions this process has already processed (a bulk insert
    sends one signal per row). Ids are reused after a test's rollback, so each test starts
    from nothing."""
    earning.processed_up_to = 0
    yield
    earning.processed_up_to = 0
