"""Demo data for the forum (filled in by a later slice)."""

from __future__ import annotations


def seed(*, now) -> str:
    return "community: nothing yet"
