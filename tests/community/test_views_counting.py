"""FORUM_VIEW: one per reader, thread and day; no session made for anonymous readers."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone

from community.services import thread_view_record
from portal.models import Interaction, InteractionKind


def test_one_view_per_reader_per_day(question, bob):
    now = timezone.now()
    assert thread_view_record(thread=question, user=bob, now=now)
    assert not thread_view_record(thread=question, user=bob, now=now)
    cache.clear()  # the unique row still holds when the cache is gone
    assert not thread_view_record(thread=question, user=bob, now=now)
    assert thread_view_record(thread=question, user=bob, now=now + timedelta(days=1))
    question.refresh_from_db()
    assert question.view_count == 2
    assert Interaction.objects.filter(kind=InteractionKind.FORUM_VIEW).count() == 2


def test_anonymous_readers_by_fingerprint(question):
    anonymous = AnonymousUser()
    assert thread_view_record(thread=question, user=anonymous, fingerprint="1.2.3.4|Firefox")
    assert not thread_view_record(thread=question, user=anonymous, fingerprint="1.2.3.4|Firefox")
    assert thread_view_record(thread=question, user=anonymous, fingerprint="5.6.7.8|Safari")
    row = Interaction.objects.filter(kind=InteractionKind.FORUM_VIEW).first()
    assert row.customer is None and row.visitor


def test_page_view_creates_no_session(client, question):
    response = client.get(question.get_absolute_url())
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    question.refresh_from_db()
    assert question.view_count == 1
