"""Who hears about what happens on a ticket (filled in with the notification service)."""

from __future__ import annotations


def ticket_opened(*, ticket, message) -> None:
    return None


def ticket_replied(*, ticket, message) -> None:
    return None


def ticket_status_changed(*, ticket, old: str, actor) -> None:
    return None


def ticket_assigned(*, ticket, actor) -> None:
    return None


def ticket_escalated(*, ticket, level: str) -> None:
    return None
