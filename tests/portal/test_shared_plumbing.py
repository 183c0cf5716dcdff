"""The plumbing every app shares, once in portal: service helpers, the rate limiter, the role
decorators, the admin report base and the upload checks."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from wagtail.admin.ui.tables import Column

from portal import ratelimit
from portal.admin_reports import AdminReportView, report_urls
from portal.decorators import admin_required, agent_required, moderator_required
from portal.services.errors import ServiceError
from portal.services.helpers import clean_text, now_or, require_agent
from portal.uploads import (
    ALLOWED_EXTENSIONS,
    MultipleFileField,
    UploadRejected,
    upload_check,
    uploads_check,
)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


class AppError(ServiceError):
    """An app's own error class (what tickets and community pass)."""


# --- portal.services.helpers --------------------------------------------------------------
def test_now_or_takes_an_aware_time_and_refuses_a_naive_one():
    moment = timezone.now().replace(year=2020)
    assert now_or(moment) is moment
    assert abs((now_or(None) - timezone.now()).total_seconds()) < 5
    with pytest.raises(ValueError, match="timezone-aware"):
        now_or(datetime(2020, 1, 1))  # noqa: DTZ001 - the naive time under test


def test_clean_text_strips_and_refuses_with_the_callers_error():
    assert clean_text("  hello\x00 world  ", field="text", maximum=20) == "hello world"
    with pytest.raises(AppError, match="The subject cannot be empty"):
        clean_text(" \x00 ", field="subject", maximum=20, error=AppError)
    with pytest.raises(AppError, match="needs at least 8 characters"):
        clean_text("short", field="title", minimum=8, maximum=20, error=AppError)
    with pytest.raises(ServiceError, match="longer than 5 characters"):
        clean_text("too long", field="name", maximum=5)


def test_require_agent_refuses_everyone_but_agents_and_admins(alice, mo, ada, root):
    for user in (None, AnonymousUser(), alice, mo):
        with pytest.raises(PermissionDenied, match="Only agents"):
            require_agent(user)
    with pytest.raises(PermissionDenied, match="Not you"):
        require_agent(alice, "Not you")
    require_agent(ada)
    require_agent(root)


# --- portal.ratelimit -----------------------------------------------------------------------
@pytest.fixture
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_rate_limit_counts_per_key_within_the_window(clean_cache):
    assert [ratelimit.rate_limit_hit("t:a", limit=2, window=60) for _ in range(4)] == [
        True,
        True,
        False,
        False,
    ]
    assert ratelimit.rate_limit_hit("t:b", limit=2, window=60)  # another key counts apart


def test_rate_limit_raises_429_or_the_callers_error(clean_cache):
    ratelimit.rate_limit("t:c", rate=(1, 60))
    with pytest.raises(ratelimit.RateLimited) as refused:
        ratelimit.rate_limit("t:c", rate=(1, 60))
    assert refused.value.status_code == 429
    with pytest.raises(AppError, match="Slow down"):
        ratelimit.rate_limit("t:c", rate=(1, 60), error=AppError, message="Slow down")


def test_a_key_that_expires_between_add_and_incr_starts_a_new_window(clean_cache, monkeypatch):
    ratelimit.rate_limit_hit("t:d", limit=1, window=60)

    def expired(key, delta=1, version=None):
        raise ValueError(key)

    monkeypatch.setattr(cache, "incr", expired)
    assert ratelimit.rate_limit_hit("t:d", limit=1, window=60)
    assert cache.get("t:d") == 1


# --- portal.decorators ----------------------------------------------------------------------
def _view(request):
    return HttpResponse("ok")


@pytest.mark.parametrize(
    ("decorator", "allowed", "refused"),
    [
        (agent_required, ("ada", "root"), ("alice", "mo")),
        (moderator_required, ("mo", "ada", "root"), ("alice",)),
        (admin_required, ("root",), ("alice", "mo", "ada")),
    ],
)
def test_role_decorators(decorator, allowed, refused, alice, mo, ada, root):
    people = {"alice": alice, "mo": mo, "ada": ada, "root": root}
    view = decorator(_view)
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = view(request)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for name in allowed:
        request.user = people[name]
        assert view(request).status_code == 200, name
    for name in refused:
        request.user = people[name]
        with pytest.raises(PermissionDenied):
            view(request)


# --- portal.admin_reports -------------------------------------------------------------------
class _Report(AdminReportView):
    periods = (7, 30, 90)
    default_days = 30
    columns = [Column("name", label="Agent or team"), Column("count", label="Tickets")]
    export_headings = {"pk": "id"}


@pytest.mark.parametrize(
    ("raw", "days"),
    [("7", 7), ("90", 90), ("", 30), ("45", 30), ("abc", 30), ("²", 30), ("٩٠", 30), ("-7", 30)],
)
def test_report_days_is_one_of_its_periods(raw, days):
    view = _Report()
    view.request = RequestFactory().get("/", {"days": raw})
    assert view.days == days


def test_report_headings_are_the_column_labels():
    view = _Report()
    assert view.get_heading(None, "name") == "Agent or team"
    assert view.get_heading(None, "pk") == "id"


def test_report_urls_give_each_report_a_results_page():
    (resolver,) = report_urls("reports/x/", "x_reports", [("", "x", _Report)])
    names = [pattern.name for pattern in resolver.url_patterns]
    assert names == ["x", "x_results"]
    assert resolver.namespace == "x_reports"


def test_a_report_answers_a_strange_period_with_the_default(client_for, root):
    """``?days=²`` passed ``str.isdigit`` and then failed ``int()``: a 500 before."""
    response = client_for(root).get("/admin/reports/agents/", {"days": "²"})
    assert response.status_code == 200
    assert "Last 30 days" in response.content.decode()


# --- portal.uploads -------------------------------------------------------------------------
def test_upload_check_reads_the_content_and_refuses_with_the_callers_error(settings):
    checked = upload_check(SimpleUploadedFile("../../shot.png", PNG))
    assert (checked.name, checked.content_type, checked.size) == ("shot.png", "image/png", 67)
    with pytest.raises(UploadRejected, match=r"not really a \.pdf"):
        upload_check(SimpleUploadedFile("invoice.pdf", PNG))
    with pytest.raises(AppError, match="not accepted"):
        upload_check(SimpleUploadedFile("run.exe", b"MZ"), error=AppError)
    settings.TICKETS_ATTACHMENTS_PER_MESSAGE = 1
    files = [SimpleUploadedFile("a.txt", b"a"), None, SimpleUploadedFile("b.txt", b"b")]
    with pytest.raises(AppError, match="at most 1 files"):
        uploads_check(files, error=AppError)
    assert len(uploads_check(files[:2])) == 1


def test_multiple_file_field_accepts_several_and_offers_its_extensions():
    field = MultipleFileField()
    assert field.widget.attrs["accept"] == ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)
    assert MultipleFileField(extensions=("png", "gif")).widget.attrs["accept"] == ".png,.gif"
    one, two = SimpleUploadedFile("a.txt", b"a"), SimpleUploadedFile("b.txt", b"b")
    assert field.clean([one, None, two]) == [one, two]
    assert field.clean(None) == []
