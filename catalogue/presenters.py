"""Display helpers for catalogue pages and reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from catalogue.models import RequestEvent


def duration_text(seconds: int | float | None) -> str:
    """``90`` -> "2 minutes", ``7200`` -> "2 hours", ``259200`` -> "3 days"."""
    if seconds is None:
        return "-"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = round(seconds / 60)
    if minutes < 120:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = round(seconds / 3600)
    if hours < 48:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    days = round(seconds / 86400)
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def status_tone(status: str) -> str:
    """The badge class of a request status (portal.css badge-* classes)."""
    return {
        "submitted": "info",
        "awaiting_approval": "warning",
        "in_progress": "info",
        "fulfilled": "success",
        "failed": "danger",
        "rejected": "neutral",
    }.get(status, "info")


def expected_text(minutes: int) -> str:
    return _("usually within %(time)s") % {"time": duration_text(minutes * 60)}


@dataclass
class TimelineStep:
    """One status on a request's timeline: the event that reached it, then the events that
    stayed in it (a retry's note, a second "in progress"), shown under it, not as new steps."""

    first: RequestEvent
    later: list[RequestEvent] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.first.status


def request_timeline(events: Iterable[RequestEvent]) -> list[TimelineStep]:
    """The events grouped by consecutive identical status (issue 18: "In progress" repeated)."""
    steps: list[TimelineStep] = []
    for event in events:
        if steps and steps[-1].status == event.status:
            steps[-1].later.append(event)
        else:
            steps.append(TimelineStep(first=event))
    return steps
