"""A request's timeline shows each status once in a row (issue 18, item 8): consecutive events
in the same status ("In progress", a retry, "In progress" again) are one step, their notes
listed under it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from catalogue.models import RequestEvent, RequestStatus
from catalogue.presenters import request_timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def retried(items, alice, submit):
    request = submit(alice, items["manual"], {"address": "Via Roma 1", "urgent": "no"}, run=False)
    start = request.created_at
    for minutes, status, note in [
        (1, RequestStatus.IN_PROGRESS, ""),
        (2, RequestStatus.IN_PROGRESS, "The shop did not answer; trying again."),
        (3, RequestStatus.IN_PROGRESS, ""),
        (4, RequestStatus.FULFILLED, "Done."),
    ]:
        RequestEvent.objects.create(
            request=request,
            status=status,
            note=note,
            created_at=start + timedelta(minutes=minutes),
        )
    return request


def test_consecutive_identical_states_are_one_step(retried):
    steps = request_timeline(retried.events.all())
    statuses = [step.status for step in steps]
    assert statuses == [RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS, RequestStatus.FULFILLED]
    assert len(steps[1].later) == 2


def test_the_page_says_in_progress_once_with_the_retry_note(retried, alice, client_for):
    page = client_for(alice).get(f"/requests/{retried.pk}/").content.decode()
    timeline = re.search(r'<ol class="timeline request-timeline">.*?</ol>', page, re.S).group(0)
    assert timeline.count("<strong>In progress</strong>") == 1
    assert "The shop did not answer; trying again." in timeline
    assert timeline.count("<li ") == 3
