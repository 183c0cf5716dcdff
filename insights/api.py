"""``/api/v1/`` operations of the insights app (mounted in ``portal/urls.py``)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["insights"])
