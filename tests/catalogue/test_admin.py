"""The catalogue in the Wagtail admin: the editor (bad definitions refused), the requests
list with filters and re-run, and the report's numbers on a known data set (and CSV)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalogue.models import CatalogueItem, RequestStatus, ServiceRequest
from catalogue.reports import failure_rows, percentile, report_rows

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/catalogue/items/",
    "/admin/catalogue/items/new/",
    "/admin/catalogue/categories/",
    "/admin/catalogue/requests/",
    "/admin/catalogue/requests/?status=failed&automated=false",
    "/admin/catalogue/cards/",
    "/admin/catalogue/webhooks/",
    "/admin/reports/catalogue/",
    "/admin/reports/catalogue/failures/",
]


def test_admin_pages_open_for_admins_only(items, root, ada, alice, client_for):
    for url in PAGES:
        assert client_for(root).get(url).status_code == 200, url
        assert client_for(ada).get(url).status_code == 302, url
        assert client_for(alice).get(url).status_code == 302, url
    edit = f"/admin/catalogue/items/edit/{items['card'].pk}/"
    page = client_for(root).get(edit).content.decode()
    assert "last_four" in page and "Request form" in page


def _item_post(category, **overrides) -> dict:
    data = {
        "name": "Admin made",
        "slug": "admin-made",
        "short_description": "Made in the admin",
        "description": "",
        "category": str(category.pk),
        "icon": "card",
        "is_active": "on",
        "position": "0",
        "audience": "any",
        "audience_product": "",
        "fulfilment": "card_block",
        "queue": "",
        "expected_minutes": "5",
        "automation_config": "{}",
        "form_fields-TOTAL_FORMS": "1",
        "form_fields-INITIAL_FORMS": "0",
        "form_fields-MIN_NUM_FORMS": "0",
        "form_fields-MAX_NUM_FORMS": "1000",
        "form_fields-0-key": "last_four",
        "form_fields-0-label": "Last four digits",
        "form_fields-0-field_type": "short_text",
        "form_fields-0-required": "on",
        "form_fields-0-help_text": "",
        "form_fields-0-min_value": "",
        "form_fields-0-max_value": "",
        "form_fields-0-pattern": r"\d{4}",
        "form_fields-0-choices": "",
        "form_fields-0-ORDER": "1",
        "form_fields-0-id": "",
    }
    data.update(overrides)
    return data


def test_editor_saves_an_item_with_its_form(category, root, client_for):
    response = client_for(root).post("/admin/catalogue/items/new/", _item_post(category))
    assert response.status_code == 302, response.context["form"].errors
    item = CatalogueItem.objects.get(slug="admin-made")
    assert [f.key for f in item.form_fields.all()] == ["last_four"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"form_fields-0-pattern": "([0-9"}, "Not a valid regular expression"),
        ({"form_fields-0-key": "Last Four"}, "Start with a letter"),
        ({"form_fields-0-field_type": "choice"}, "needs at least one choice"),
        ({"form_fields-0-key": "digits"}, "needs these form fields: last_four"),
        ({"fulfilment": "webhook", "automation_config": '{"url": "file:///etc"}'}, "http or https"),
    ],
)
def test_editor_refuses_bad_definitions(category, root, client_for, overrides, message):
    response = client_for(root).post(
        "/admin/catalogue/items/new/", _item_post(category, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CatalogueItem.objects.filter(slug="admin-made").exists()


def test_rerun_from_the_admin(make_item, queue, root, alice, submit, client_for):
    from catalogue.automations import Automation, Result, registry

    class FailsOnce(Automation):
        key = "test_fails_once"
        label = "Fails once"
        runs = 0

        def fulfil(self, request):
            type(self).runs += 1
            return Result.failed("down") if type(self).runs == 1 else Result.fulfilled("ok")

    registry.register(FailsOnce)
    try:
        item = make_item("flaky", "test_fails_once", [], queue=queue)
        request = submit(alice, item, {})
        assert request.status == RequestStatus.FAILED
        listing = client_for(root).get("/admin/catalogue/requests/?status=failed").content
        assert f"/admin/catalogue/requests/rerun/{request.pk}/".encode() in listing
        url = f"/admin/catalogue/requests/rerun/{request.pk}/"
        assert client_for(root).get(url).status_code == 200
        assert client_for(alice).post(url).status_code == 302  # bounced by Wagtail
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client_for(root).post(url)
        assert response.status_code == 302
        request.refresh_from_db()
        assert request.status == RequestStatus.FULFILLED
    finally:
        registry.unregister("test_fails_once")


# --- the report on a known data set ---------------------------------------------------------
def _make(item, customer, *, status, automated=False, minutes=None, error="", days_ago=1):
    created = timezone.now() - timedelta(days=days_ago)
    return ServiceRequest.objects.create(
        item=item,
        customer=customer,
        status=status,
        automated=automated,
        error=error,
        idempotency_key=f"k-{ServiceRequest.objects.count()}",
        created_at=created,
        completed_at=created + timedelta(minutes=minutes) if minutes is not None else None,
    )


def test_report_numbers(items, alice, bob):
    card, manual = items["card"], items["manual"]
    c = alice.customer
    for minutes in (1, 2, 3, 4, 10):
        _make(card, c, status=RequestStatus.FULFILLED, automated=True, minutes=minutes)
    _make(card, c, status=RequestStatus.FAILED, error="HTTP 500\ndetails")
    _make(card, c, status=RequestStatus.FAILED, error="HTTP 500")
    _make(card, c, status=RequestStatus.FULFILLED, minutes=60, error="Timeout")  # by an agent
    _make(card, c, status=RequestStatus.REJECTED)
    _make(card, c, status=RequestStatus.FULFILLED, automated=True, minutes=1, days_ago=200)
    _make(manual, bob.customer, status=RequestStatus.FULFILLED, minutes=120)

    rows = {row.item: row for row in report_rows(days=90)}
    lost = rows["Lost card"]
    assert lost.requests == 9
    assert lost.fulfilled == 6
    assert lost.automated == 5
    assert lost.automation_rate == "62%"  # 5 of 8 (9 minus 1 rejected)
    assert lost.median_minutes == "3.5"  # 1, 2, 3, 4, 10, 60
    assert lost.p90_minutes == "60.0"  # nearest rank: 6th of 6
    assert lost.failed == 3
    assert lost.top_reason == "HTTP 500 (2)"
    assert rows["New line"].automation_rate == "0%"
    assert rows["All items"].requests == 10
    assert [(r.item, r.reason, r.count) for r in failure_rows(days=90)] == [
        ("Lost card", "HTTP 500", 2),
        ("Lost card", "Timeout", 1),
    ]
    assert percentile([5, 1, 3, 2, 4], 0.9) == 5
    assert percentile([], 0.5) is None


def test_report_csv(items, alice, root, client_for):
    _make(items["card"], alice.customer, status=RequestStatus.FULFILLED, automated=True, minutes=2)
    response = client_for(root).get("/admin/reports/catalogue/?export=csv")
    assert response.status_code == 200
    text = (
        b"".join(response.streaming_content).decode()
        if response.streaming
        else response.content.decode()
    )
    lines = text.strip().splitlines()
    assert lines[0].startswith("Item,Requests,Fulfilled,Without an agent,Automation rate")
    assert lines[1].startswith("Lost card,1,1,1,100%,2.0,2.0")


def test_complete_a_manual_request_from_the_admin(items, alice, root, submit, client_for):
    request = submit(alice, items["manual"], {"address": "Via Roma 1", "urgent": "no"})
    assert request.waiting_for == "agent"
    listing = client_for(root).get("/admin/catalogue/requests/").content
    url = f"/admin/catalogue/requests/complete/{request.pk}/"
    assert url.encode() in listing
    assert client_for(root).get(url).status_code == 200
    response = client_for(root).post(url, {"note": "Line moved on Monday."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert request.result == "Line moved on Monday."
    assert not request.automated
