"""/desk/incidents/: the agents' list, declare form and incident page (preview, publish,
updates, resolution, delivery progress, compensation counts)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from outages import services
from outages.models import CompensationGrant, CompensationOffer, Incident, IncidentAudience
from portal.models import NotificationDelivery

from .desk_fixtures import *  # noqa: F403 - the fixtures
from .desk_fixtures import declare

LIST = "/desk/incidents/"
NEW = "/desk/incidents/new/"


def page(incident) -> str:
    return f"/desk/incidents/{incident.pk}/"


def valid(fibre, **changes) -> dict:
    data = {
        "title": "Fibre down in the north",
        "products": [str(fibre.pk)],
        "region": "north",
        "impact": "major",
        "message": "We are looking into it.",
        "starts_at": "",
        "ends_at": "",
        "offer_kind": "",
        "offer_amount": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("path", [LIST, NEW])
def test_customers_get_403_and_visitors_the_login(path, alice, mo, client_for):
    assert client_for(alice).get(path).status_code == 403
    assert client_for(mo).get(path).status_code == 403
    response = client_for(None).get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_shows_open_incidents_first_and_filters(subscribed, tv, ada, client_for):
    old = declare(subscribed, title="Old outage", starts_at=timezone.now() - timedelta(days=3))
    services.incident_resolve(incident=old, message="Fixed")
    declare(subscribed, title="Fibre slow", starts_at=timezone.now() - timedelta(days=5))
    declare(tv, title="TV guide empty", region="")
    client = client_for(ada)
    html = client.get(LIST).content.decode()
    assert html.index("TV guide empty") < html.index("Fibre slow") < html.index("Old outage")
    resolved = client.get(LIST, {"status": "resolved"}).content.decode()
    assert "Old outage" in resolved and "Fibre slow" not in resolved
    by_service = client.get(LIST, {"product": tv.pk}).content.decode()
    assert "TV guide empty" in by_service and "Fibre slow" not in by_service
    assert "Fibre slow" in client.get(LIST, {"q": "slow"}).content.decode()
    # nonsense filters are ignored, never a 500
    assert client.get(LIST, {"product": "x", "status": "?", "page": "zz"}).status_code == 200


def test_declare_creates_incident_with_offer_and_shows_the_preview(subscribed, ada, client_for):
    client = client_for(ada)
    response = client.post(
        NEW,
        valid(subscribed, offer_kind="credit", offer_amount="5.00", offer_automatic="on"),
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == page(incident)
    assert incident.created_by == ada and incident.published_at is None
    offer = CompensationOffer.objects.get(incident=incident)
    assert (offer.kind, offer.amount, offer.automatic) == ("credit", Decimal("5.00"), True)
    html = client.get(page(incident)).content.decode()
    assert "Would be told" in html
    assert '<span class="stat-value">2</span>' in html  # alice and amy (bob is in the south)
    assert not IncidentAudience.objects.exists()  # a preview, not frozen


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"products": []}, "Choose at least one affected service."),
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 201}, "Ensure this value has at most 200 characters"),
        ({"impact": "apocalypse"}, "Select a valid choice."),
        (
            {"starts_at": "2026-05-02T10:00", "ends_at": "2026-05-02T09:00"},
            "The end must be after the start.",
        ),
        ({"starts_at": "yesterday"}, "Enter a valid date/time."),
        ({"scheduled": "on", "impact": "maintenance"}, "maintenance starts in the future"),
        ({"scheduled": "on", "impact": "major"}, "Scheduled work is announced as maintenance."),
        ({"offer_kind": "credit"}, "Give the compensation an amount."),
        ({"offer_kind": "credit", "offer_amount": "-3"}, "greater than or equal to 0.01"),
        ({"offer_amount": "3"}, "Choose what kind of compensation this is."),
        ({"products": ["999999"]}, "Select a valid choice."),
    ],
)
def test_declare_rejects_bad_input_with_a_message(subscribed, ada, client_for, changes, message):
    response = client_for(ada).post(NEW, valid(subscribed, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Incident.objects.exists()


def test_scheduled_maintenance_ahead(subscribed, ada, client_for):
    start = timezone.now() + timedelta(days=2)
    response = client_for(ada).post(
        NEW,
        valid(
            subscribed,
            impact="maintenance",
            scheduled="on",
            starts_at=start.strftime("%Y-%m-%dT%H:%M"),
            ends_at=(start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.impact == "maintenance" and incident.starts_at > timezone.now()


def test_publish_freezes_audience_and_page_shows_delivery(
    subscribed, ada, alice, amy, client_for, django_capture_on_commit_callbacks
):
    incident = declare(subscribed)
    client = client_for(ada)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{page(incident)}publish/", follow=True)
    assert "Published: the notices to 2 customers are on their way." in response.content.decode()
    assert set(IncidentAudience.objects.values_list("customer", flat=True)) == {
        alice.customer.pk,
        amy.customer.pk,
    }
    NotificationDelivery.objects.filter(recipient=amy, channel="email").update(
        status="failed", attempts=5, last_error="SMTPRecipientsRefused: 550 no such user"
    )
    html = client.get(page(incident)).content.decode()
    assert "Audience" in html
    assert "Sent, but 1 of 2 emails failed." in html
    assert "<dt>Waiting</dt><dd>0</dd>" in html
    assert "550 no such user" in html and "amy@example.com" in html
    # publishing again adds nobody and sends nothing new
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"{page(incident)}publish/", follow=True)
    assert "0 newly affected customers added" in again.content.decode()
    assert NotificationDelivery.objects.filter(channel="email").count() == 2


def test_post_update_and_resolve(subscribed, ada, client_for, django_capture_on_commit_callbacks):
    incident = declare(subscribed)
    services.incident_publish(incident=incident)
    client = client_for(ada)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{page(incident)}updates/", {"status": "identified", "message": "A cut cable."}
        )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "identified"
    assert incident.updates.last().message == "A cut cable."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{page(incident)}resolve/", {"message": "Repaired."})
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.ends_at is not None
    html = client.get(page(incident)).content.decode()
    assert "Post an update" not in html and "Repaired." in html


def test_update_and_resolve_errors_are_messages(subscribed, ada, client_for):
    incident = declare(subscribed)
    client = client_for(ada)
    bad = client.post(f"{page(incident)}updates/", {"status": "resolved", "message": "x"})
    assert bad.status_code == 400 and "Select a valid choice." in bad.content.decode()
    empty = client.post(f"{page(incident)}updates/", {"status": "identified", "message": " "})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    services.incident_resolve(incident=incident, message="Done")
    late = client.post(f"{page(incident)}resolve/", {"message": "Again"})
    assert late.status_code == 400 and "This incident is resolved." in late.content.decode()
    assert incident.updates.count() == 2


def test_compensation_counts(subscribed, ada, alice, amy, client_for):
    incident = declare(subscribed, offer_kind="discount", offer_amount=Decimal("10"))
    services.incident_publish(incident=incident)
    grant = services.compensation_grant(incident=incident, customer=alice.customer, claimed=True)
    services.compensation_grant(incident=incident, customer=amy.customer)
    services.discount_redeem(code=grant.code)
    html = client_for(ada).get(page(incident)).content.decode()
    assert "1 claimed · cost 20.00" in html
    assert "<dt>Codes used</dt><dd>1</dd>" in html
    assert CompensationGrant.objects.count() == 2


def test_unknown_incident_is_404(ada, client_for):
    client = client_for(ada)
    assert client.get("/desk/incidents/999/").status_code == 404
    assert client.post("/desk/incidents/999/publish/").status_code == 404


def test_get_on_actions_is_405(subscribed, ada, client_for):
    incident = declare(subscribed)
    assert client_for(ada).get(f"{page(incident)}publish/").status_code == 405
    assert not IncidentAudience.objects.exists()
